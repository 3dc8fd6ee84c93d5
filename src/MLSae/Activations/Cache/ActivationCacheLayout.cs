namespace MLSae.Activations.Cache;

/// <summary>File names inside a cache folder (see docs/cache.md).</summary>
internal static class ActivationCacheLayout
{
    /// <summary>The activations file of shard <paramref name="index"/>: <c>shard-00000.activations.f32</c> or <c>.bf16</c>.</summary>
    public static string ActivationsFile(int index, ActivationDType dtype) => $"shard-{index:D5}.activations.{dtype.ToManifestName()}";
    /// <summary>The token-id file (int32) of shard <paramref name="index"/>.</summary>
    public static string TokenIdsFile(int index) => $"shard-{index:D5}.tokens.i32";
    /// <summary>The document-id file (int64) of shard <paramref name="index"/>.</summary>
    public static string DocumentIdsFile(int index) => $"shard-{index:D5}.documents.i64";
    /// <summary>The position file (int32) of shard <paramref name="index"/>.</summary>
    public static string PositionsFile(int index) => $"shard-{index:D5}.positions.i32";

    /// <summary>True for names the cache writer creates: the manifest, shard files and its temp files.</summary>
    internal static bool IsCacheFile(string fileName) =>
        fileName == ActivationCacheDefaults.ManifestFileName
        || fileName.StartsWith("shard-", StringComparison.Ordinal)
        || IsTempFile(fileName);

    /// <summary>Temp files of shards (".shard-*.tmp") and of the manifest (AtomicFile's ".manifest.json.*.tmp").</summary>
    internal static bool IsTempFile(string fileName) =>
        fileName.EndsWith(".tmp", StringComparison.Ordinal)
        && (fileName.StartsWith(".shard-", StringComparison.Ordinal) || fileName.StartsWith("." + ActivationCacheDefaults.ManifestFileName, StringComparison.Ordinal));
}
