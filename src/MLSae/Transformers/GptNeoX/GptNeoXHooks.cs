namespace MLSae.Transformers.GptNeoX;

/// <summary>
/// TransformerLens hook names of the tensors a GPT-NeoX graph exposes. The values are those of
/// Hugging Face's forward pass, i.e. TransformerLens' <c>from_pretrained_no_processing</c>
/// (no weight folding or centering, which would change the residual stream).
/// </summary>
public static class GptNeoXHooks
{
    /// <summary>Token embeddings [batch, tokens, d].</summary>
    public const string Embed = "hook_embed";
    /// <summary>Output of the final LayerNorm [batch, tokens, d].</summary>
    public const string FinalNormalized = "ln_final.hook_normalized";
    /// <summary>Logits [batch, tokens, vocab].</summary>
    public const string Logits = "logits";
    /// <summary>Suffix of a splice input's name.</summary>
    public const string SpliceSuffix = ".splice";

    /// <summary>Residual stream entering block <paramref name="layer"/>.</summary>
    public static string ResidPre(int layer) => $"blocks.{layer}.hook_resid_pre";
    /// <summary>Attention output (after the dense projection and its bias) of block <paramref name="layer"/>.</summary>
    public static string AttnOut(int layer) => $"blocks.{layer}.hook_attn_out";
    /// <summary>MLP output of block <paramref name="layer"/>.</summary>
    public static string MlpOut(int layer) => $"blocks.{layer}.hook_mlp_out";
    /// <summary>Residual between attention and MLP (sequential-residual models only).</summary>
    public static string ResidMid(int layer) => $"blocks.{layer}.hook_resid_mid";
    /// <summary>Residual stream leaving block <paramref name="layer"/>.</summary>
    public static string ResidPost(int layer) => $"blocks.{layer}.hook_resid_post";

    /// <summary>Every hook a model with <paramref name="config"/> has, in forward order (logits last).</summary>
    public static IReadOnlyList<string> All(GptNeoXConfig config)
    {
        var names = new List<string> { Embed };
        for (int l = 0; l < config.NumLayers; l++)
        {
            names.Add(ResidPre(l));
            names.Add(AttnOut(l));
            if (!config.UseParallelResidual) names.Add(ResidMid(l));
            names.Add(MlpOut(l));
            names.Add(ResidPost(l));
        }
        names.Add(FinalNormalized);
        names.Add(Logits);
        return names;
    }

    /// <summary>The block a hook belongs to: -1 for the embedding, NumLayers for the final norm and logits.</summary>
    public static int LayerOf(string hook, GptNeoXConfig config)
    {
        if (hook == Embed) return -1;
        if (hook is FinalNormalized or Logits) return config.NumLayers;
        var parts = hook.Split('.');
        if (parts.Length == 3 && parts[0] == "blocks" && int.TryParse(parts[1], out int l) && All(config).Contains(hook)) return l;
        throw new ArgumentException($"'{hook}' is not a hook of this GPT-NeoX model; hooks: {Describe(config)}.", nameof(hook));
    }

    static string Describe(GptNeoXConfig config) =>
        $"{Embed}, blocks.{{0..{config.NumLayers - 1}}}.hook_{{resid_pre,attn_out,{(config.UseParallelResidual ? "" : "resid_mid,")}mlp_out,resid_post}}, {FinalNormalized}, {Logits}";
}
