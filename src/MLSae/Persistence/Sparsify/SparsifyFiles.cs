namespace MLSae.Persistence.Sparsify;

/// <summary>
/// File names and tensor keys of an EleutherAI sparsify sparse coder, as <c>SparseCoder.save_to_disk</c> writes them
/// (sparsify/sparse_coder.py): one folder per hook point holding cfg.json (the <c>SparseCoderConfig</c> fields plus
/// <c>d_in</c>) and sae.safetensors (the module's state dict: encoder.weight, encoder.bias, W_dec, b_dec, and W_skip
/// with a skip connection). A training run saves one such folder per hook point under its save directory.
/// </summary>
public static class SparsifyFiles
{
    /// <summary>The config file.</summary>
    public const string Config = "cfg.json";
    /// <summary>The weights file.</summary>
    public const string Weights = "sae.safetensors";
    /// <summary>Encoder weights, [num_latents, d_in] (nn.Linear layout: feature-major, as MLSae's).</summary>
    public const string WEnc = "encoder.weight";
    /// <summary>Encoder bias, [num_latents].</summary>
    public const string BEnc = "encoder.bias";
    /// <summary>Decoder weights, [num_latents, d_in].</summary>
    public const string WDec = "W_dec";
    /// <summary>Decoder bias, [d_in]; subtracted from the input before encoding unless the coder is a transcoder.</summary>
    public const string BDec = "b_dec";
    /// <summary>Skip connection, [d_in, d_in]; present only with skip_connection = true.</summary>
    public const string WSkip = "W_skip";

    /// <summary>True when <paramref name="folder"/> holds cfg.json and sae.safetensors (one hook point).</summary>
    public static bool IsSparsifyFolder(string folder) =>
        Directory.Exists(folder) && File.Exists(Path.Combine(folder, Config)) && File.Exists(Path.Combine(folder, Weights));

    /// <summary>
    /// The hook-point subfolders of <paramref name="folder"/> that are sparsify folders (a training run's save
    /// directory, or a hub repository as <c>SparseCoder.load_many</c> reads it), in ordinal name order.
    /// </summary>
    public static IReadOnlyList<string> HookPointFolders(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateDirectories(folder).Where(IsSparsifyFolder).Order(StringComparer.Ordinal).ToArray()
            : [];
}
