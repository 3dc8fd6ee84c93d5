namespace MLSae.Activations;

/// <summary>A hook name (TransformerLens style or a raw tensor name) and the ONNX tensor it reads.</summary>
/// <param name="Name">What the user asked for, e.g. "blocks.3.hook_resid_post".</param>
/// <param name="TensorName">The ONNX tensor holding it.</param>
/// <param name="Rule">How it was found: "exact", "bert", "gpt2", "gpt-neox" or "tensor".</param>
public readonly record struct HookPoint(string Name, string TensorName, string Rule);

/// <summary>The TransformerLens hook kinds MLSae resolves by architecture rules.</summary>
internal static class HookNames
{
    /// <summary>Residual stream entering block L.</summary>
    public const string ResidPre = "hook_resid_pre";
    /// <summary>Residual stream between attention and MLP (sequential blocks only).</summary>
    public const string ResidMid = "hook_resid_mid";
    /// <summary>Residual stream leaving block L.</summary>
    public const string ResidPost = "hook_resid_post";
    /// <summary>Attention output (after the output projection, before the residual add).</summary>
    public const string AttnOut = "hook_attn_out";
    /// <summary>MLP output (before the residual add).</summary>
    public const string MlpOut = "hook_mlp_out";
    /// <summary>Every kind, in listing order.</summary>
    public static readonly IReadOnlyList<string> Kinds = [ResidPre, AttnOut, ResidMid, MlpOut, ResidPost];

    /// <summary>"blocks.{layer}.{kind}".</summary>
    public static string Format(int layer, string kind) => $"blocks.{layer}.{kind}";

    /// <summary>Parses "blocks.{L}.{kind}"; false for anything else.</summary>
    public static bool TryParse(string hook, out int layer, out string kind)
    {
        layer = -1; kind = "";
        var parts = hook.Split('.');
        if (parts.Length != 3 || parts[0] != "blocks" || !int.TryParse(parts[1], out layer) || layer < 0) return false;
        kind = parts[2];
        return Kinds.Contains(kind);
    }
}
