namespace MLSae.Activations.Cache;

/// <summary>Defaults of <see cref="ActivationCacheWriterOptions"/> and the fixed names of the cache format.</summary>
public static class ActivationCacheDefaults
{
    /// <summary>Token rows per shard (the last shard may hold fewer).</summary>
    public const int RowsPerShard = 65_536;
    /// <summary>Tokens per context window.</summary>
    public const int Context = 128;
    /// <summary>Stored element type.</summary>
    public const ActivationDType DType = ActivationDType.Float32;
    /// <summary>The manifest's file name inside the cache folder.</summary>
    public const string ManifestFileName = "manifest.json";
    /// <summary>The value of the manifest's "format" field.</summary>
    public const string FormatName = "mlsae-activation-cache";
    /// <summary>The format version this code writes and reads.</summary>
    public const int FormatVersion = 1;
}
