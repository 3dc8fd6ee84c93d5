using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLSae.Activations.Cache;

/// <summary>
/// The contents of a cache's <c>manifest.json</c>: what the activations are and which shard files
/// hold them. A shard exists for readers only once it is listed here; the writer lists a shard
/// after its files are complete and renamed into place. See docs/cache.md for the format.
/// </summary>
public sealed class ActivationCacheManifest
{
    /// <summary>Always <see cref="ActivationCacheDefaults.FormatName"/>.</summary>
    public string Format { get; set; } = ActivationCacheDefaults.FormatName;
    /// <summary>Format version (<see cref="ActivationCacheDefaults.FormatVersion"/>).</summary>
    public int FormatVersion { get; set; } = ActivationCacheDefaults.FormatVersion;
    /// <summary>Version of MLSae that wrote the cache.</summary>
    [JsonPropertyName("mlsaeVersion")]
    public string MLSaeVersion { get; set; } = "";
    /// <summary>When the cache was started.</summary>
    public DateTimeOffset CreatedUtc { get; set; }
    /// <summary>When the manifest was last rewritten.</summary>
    public DateTimeOffset UpdatedUtc { get; set; }
    /// <summary>Model source name.</summary>
    public string Model { get; set; } = "";
    /// <summary>Hook point.</summary>
    public string Hook { get; set; } = "";
    /// <summary>d, floats per row.</summary>
    public int Dimension { get; set; }
    /// <summary>Stored element type: "f32" or "bf16".</summary>
    [JsonPropertyName("dtype")]
    public string DType { get; set; } = "f32";
    /// <summary>Always "little".</summary>
    public string ByteOrder { get; set; } = "little";
    /// <summary>Tokens per context window used by extraction.</summary>
    public int Context { get; set; }
    /// <summary>Rows per shard (every shard but the last).</summary>
    public int RowsPerShard { get; set; }
    /// <summary>Rows in all listed shards.</summary>
    public long TotalRows { get; set; }
    /// <summary>Special tokens (CLS, SEP, PAD, BOS, EOS) the producer excluded so far.</summary>
    public long SpecialTokensExcluded { get; set; }
    /// <summary>True once the writer's Complete() ran; false while extraction is running or was interrupted.</summary>
    public bool Complete { get; set; }
    /// <summary>The shards, in row order.</summary>
    public List<ActivationCacheShard> Shards { get; set; } = [];
    /// <summary>
    /// A merged cache (<see cref="ActivationCache.Merge"/>) lists no shards of its own but the caches it joins, in row
    /// order, with their row offsets; the rows stay in those caches (nothing is copied). Empty for an extracted cache.
    /// </summary>
    public List<ActivationCachePart> Parts { get; set; } = [];
    /// <summary>The corpus files the activations come from.</summary>
    public List<ActivationCacheSourceFile> Sources { get; set; } = [];
    /// <summary>Free-form notes from the producer.</summary>
    public Dictionary<string, string> Metadata { get; set; } = [];

    /// <summary>The stored element type as an enum.</summary>
    [JsonIgnore]
    public ActivationDType ElementType => ActivationDTypes.Parse(DType)
        ?? throw new InvalidDataException($"Unknown dtype '{DType}' in the activation cache manifest; expected \"f32\" or \"bf16\".");

    internal static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    /// <summary>The manifest as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>
    /// Reads <c>manifest.json</c> in <paramref name="directory"/>. Throws
    /// <see cref="FileNotFoundException"/> when the folder or manifest is missing and
    /// <see cref="InvalidDataException"/> when it is not a valid manifest, naming the file.
    /// </summary>
    public static ActivationCacheManifest Load(string directory)
    {
        var path = Path.Combine(Path.GetFullPath(directory), ActivationCacheDefaults.ManifestFileName);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Activation cache folder '{Path.GetFullPath(directory)}' does not exist. Extract activations into it first (ActivationCacheWriter) or check the path.");
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' is missing: '{Path.GetFullPath(directory)}' is not an activation cache (or extraction never started). Extract activations into it (ActivationCacheWriter).", path);
        ActivationCacheManifest? m;
        try
        {
            m = JsonSerializer.Deserialize<ActivationCacheManifest>(File.ReadAllText(path), s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON ({e.Message}). The cache is damaged: extract again with ActivationCacheWriterOptions.Overwrite.", e);
        }
        if (m is null)
            throw new InvalidDataException($"'{path}' is empty (JSON null). The cache is damaged: extract again with ActivationCacheWriterOptions.Overwrite.");
        m.Validate(path);
        return m;
    }

    void Validate(string path)
    {
        string Bad(string what) => $"'{path}' is not a valid activation cache manifest: {what}. The cache is damaged: extract again with ActivationCacheWriterOptions.Overwrite.";
        if (Format != ActivationCacheDefaults.FormatName)
            throw new InvalidDataException(Bad($"format is '{Format}', expected '{ActivationCacheDefaults.FormatName}'"));
        if (FormatVersion != ActivationCacheDefaults.FormatVersion)
            throw new InvalidDataException($"'{path}' has cache format version {FormatVersion}; this MLSae reads version {ActivationCacheDefaults.FormatVersion}. Use a matching MLSae version or extract again.");
        if (Dimension <= 0) throw new InvalidDataException(Bad($"dimension is {Dimension}, expected > 0"));
        if (RowsPerShard <= 0) throw new InvalidDataException(Bad($"rowsPerShard is {RowsPerShard}, expected > 0"));
        if (ActivationDTypes.Parse(DType) is null) throw new InvalidDataException(Bad($"dtype is '{DType}', expected \"f32\" or \"bf16\""));
        if (ByteOrder != "little") throw new InvalidDataException(Bad($"byteOrder is '{ByteOrder}', expected \"little\""));
        Shards ??= [];
        Parts ??= [];
        Sources ??= [];
        Metadata ??= [];
        long sum = 0;
        for (int i = 0; i < Shards.Count; i++)
        {
            var s = Shards[i];
            if (s is null || s.Activations is null || s.TokenIds is null || s.DocumentIds is null || s.Positions is null)
                throw new InvalidDataException(Bad($"shard entry {i} is incomplete (needs activations, tokenIds, documentIds, positions)"));
            if (s.Index != i) throw new InvalidDataException(Bad($"shard entry {i} has index {s.Index}"));
            bool last = i == Shards.Count - 1;
            if (s.Rows <= 0 || s.Rows > RowsPerShard || (!last && s.Rows != RowsPerShard))
                throw new InvalidDataException(Bad($"shard {i} has {s.Rows} rows; every shard but the last must hold rowsPerShard = {RowsPerShard}"));
            sum += s.Rows;
        }
        if (Parts.Count > 0)
        {
            if (Shards.Count > 0) throw new InvalidDataException(Bad("it lists both shards and parts"));
            for (int i = 0; i < Parts.Count; i++)
            {
                var p = Parts[i];
                if (p is null || string.IsNullOrWhiteSpace(p.Path) || p.Rows <= 0 || p.FirstRow != sum)
                    throw new InvalidDataException(Bad($"part {i} must name a cache and start at row {sum} with rows > 0"));
                sum += p.Rows;
            }
        }
        if (sum != TotalRows) throw new InvalidDataException(Bad($"totalRows is {TotalRows} but the {(Parts.Count > 0 ? "parts" : "shards")} hold {sum} rows"));
    }
}

/// <summary>One shard: <see cref="Rows"/> token rows split over four files.</summary>
/// <param name="Index">0-based shard number.</param>
/// <param name="Rows">Token rows in the shard.</param>
/// <param name="Activations">[Rows, d] little-endian f32 or bf16, row-major.</param>
/// <param name="TokenIds">[Rows] little-endian int32.</param>
/// <param name="DocumentIds">[Rows] little-endian int64.</param>
/// <param name="Positions">[Rows] little-endian int32.</param>
public sealed record ActivationCacheShard(int Index, long Rows, ActivationCacheFile Activations, ActivationCacheFile TokenIds, ActivationCacheFile DocumentIds, ActivationCacheFile Positions)
{
    /// <summary>The four files in a fixed order.</summary>
    [JsonIgnore]
    public IEnumerable<ActivationCacheFile> Files => [Activations, TokenIds, DocumentIds, Positions];
}

/// <summary>A file of a shard, relative to the cache folder.</summary>
/// <param name="File">File name inside the cache folder.</param>
/// <param name="Bytes">Exact length in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
public sealed record ActivationCacheFile(string File, long Bytes, string Sha256);

/// <summary>A corpus file the cache was extracted from.</summary>
/// <param name="Path">The path as given to the writer.</param>
/// <param name="Bytes">Its length when extraction started.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of its content.</param>
public sealed record ActivationCacheSourceFile(string Path, long Bytes, string Sha256)
{
    /// <summary>Hashes <paramref name="path"/>.</summary>
    public static ActivationCacheSourceFile FromFile(string path)
    {
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"Source file '{path}' does not exist.", path);
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hash = System.Security.Cryptography.SHA256.HashData(s);
        return new ActivationCacheSourceFile(path, s.Length, Convert.ToHexStringLower(hash));
    }
}

/// <summary>One cache joined into a merged cache: its folder (relative to the merged cache's folder), first row and row count.</summary>
/// <param name="Path">The part cache's folder, relative to the merged cache's folder (forward slashes).</param>
/// <param name="FirstRow">Row of the merged cache where this part's row 0 is.</param>
/// <param name="Rows">Rows of the part (its totalRows when merged).</param>
public sealed record ActivationCachePart(string Path, long FirstRow, long Rows);
