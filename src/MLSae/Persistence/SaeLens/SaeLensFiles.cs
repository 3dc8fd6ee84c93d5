namespace MLSae.Persistence.SaeLens;

/// <summary>File names and tensor keys of an SAELens SAE folder (what <c>SAE.save_model</c> writes).</summary>
internal static class SaeLensFiles
{
    /// <summary>The config file.</summary>
    public const string Config = "cfg.json";
    /// <summary>The weights file.</summary>
    public const string Weights = "sae_weights.safetensors";
    /// <summary>The log10 firing-frequency file.</summary>
    public const string Sparsity = "sparsity.safetensors";
    /// <summary>Encoder weights, [d_in, d_sae].</summary>
    public const string WEnc = "W_enc";
    /// <summary>Encoder bias, [d_sae].</summary>
    public const string BEnc = "b_enc";
    /// <summary>Decoder weights, [d_sae, d_in].</summary>
    public const string WDec = "W_dec";
    /// <summary>Decoder bias, [d_in].</summary>
    public const string BDec = "b_dec";
    /// <summary>JumpReLU thresholds, [d_sae].</summary>
    public const string Threshold = "threshold";
    /// <summary>log10(frequency + 1e-10), [d_sae], in sparsity.safetensors.</summary>
    public const string SparsityKey = "sparsity";
    /// <summary>The epsilon SAELens adds before log10.</summary>
    public const double SparsityEpsilon = 1e-10;
    /// <summary>Architectures MLSae reads.</summary>
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["standard", "jumprelu", "topk"];

    /// <summary>True when <paramref name="folder"/> holds cfg.json and sae_weights.safetensors.</summary>
    public static bool IsSaeLensFolder(string folder) =>
        Directory.Exists(folder) && File.Exists(Path.Combine(folder, Config)) && File.Exists(Path.Combine(folder, Weights));
}
