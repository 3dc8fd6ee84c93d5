using System.Globalization;
using MLSae.Persistence;

namespace MLSae.Activations.Cache;

// Merged caches: a manifest.json whose "parts" name other caches with their row offsets. The rows stay where they are.
public sealed partial class ActivationCache
{
    /// <summary>Manifest metadata key of a sharded extraction's shard ("I/N", <see cref="CorpusShard"/>).</summary>
    public const string CorpusShardKey = "corpusShard";

    /// <summary>
    /// Writes a merged cache in <paramref name="outputDirectory"/>: one logical cache whose rows are the rows of
    /// <paramref name="caches"/> one after another, without copying them (its manifest.json lists the caches, by paths
    /// relative to <paramref name="outputDirectory"/>, with their row offsets). Caches from a sharded extraction
    /// (<see cref="CorpusShardKey"/> in their metadata) are put in shard order and must be all N shards of one split;
    /// other caches keep the order given. Every cache must be complete and agree on model, hook, d, dtype and context.
    /// </summary>
    /// <returns>The merged cache's manifest.</returns>
    /// <exception cref="ArgumentException">No caches, caches that do not fit together, or a missing or repeated shard.</exception>
    /// <exception cref="IOException">The output folder holds something other than a merged cache and <paramref name="overwrite"/> is false.</exception>
    public static ActivationCacheManifest Merge(IReadOnlyList<string> caches, string outputDirectory, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        if (caches.Count == 0) throw new ArgumentException("Merge needs at least one activation cache.", nameof(caches));
        var outDir = Path.GetFullPath(outputDirectory);
        var parts = caches.Select(c => (Dir: Path.GetFullPath(c), Manifest: ActivationCacheManifest.Load(c))).ToList();
        foreach (var (dir, m) in parts)
        {
            if (!m.Complete)
                throw new ArgumentException($"The activation cache '{dir}' is incomplete ({m.TotalRows} rows so far); finish it with ActivationCacheWriterOptions.Resume before merging.");
            if (m.Parts.Count > 0)
                throw new ArgumentException($"'{dir}' is itself a merged cache; merge the caches it lists ({string.Join(", ", m.Parts.Select(p => p.Path))}) instead.");
            if (string.Equals(dir, outDir, StringComparison.Ordinal))
                throw new ArgumentException($"The merged cache cannot be written into '{dir}', one of the caches it joins.");
        }
        var first = parts[0].Manifest;
        foreach (var (dir, m) in parts.Skip(1))
            if (m.Model != first.Model || m.Hook != first.Hook || m.Dimension != first.Dimension || m.DType != first.DType || m.Context != first.Context)
                throw new ArgumentException($"'{dir}' ({Describe(m)}) does not fit '{parts[0].Dir}' ({Describe(first)}): merged caches must share model, hook, d, dtype and context.");
        parts = ShardOrder(parts);

        if (File.Exists(Path.Combine(outDir, ActivationCacheDefaults.ManifestFileName)))
        {
            var existing = ActivationCacheManifest.Load(outDir);
            if (existing.Parts.Count == 0 || !overwrite)
                throw new IOException(existing.Parts.Count == 0
                    ? $"'{outDir}' holds an extracted activation cache; write the merged cache into another folder."
                    : $"'{outDir}' already holds a merged cache. Pass overwrite: true to replace it.");
        }
        else if (System.IO.Directory.Exists(outDir) && System.IO.Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new IOException($"'{outDir}' is not empty; write the merged cache into a new or empty folder.");
        System.IO.Directory.CreateDirectory(outDir);

        long row = 0;
        var listed = new List<ActivationCachePart>();
        foreach (var (dir, m) in parts)
        {
            listed.Add(new ActivationCachePart(Path.GetRelativePath(outDir, dir).Replace('\\', '/'), row, m.TotalRows));
            row += m.TotalRows;
        }
        var now = DateTimeOffset.UtcNow;
        var merged = new ActivationCacheManifest
        {
            MLSaeVersion = typeof(ActivationCache).Assembly.GetName().Version?.ToString(3) ?? "",
            CreatedUtc = now, UpdatedUtc = now,
            Model = first.Model, Hook = first.Hook, Dimension = first.Dimension, DType = first.DType, Context = first.Context,
            RowsPerShard = first.RowsPerShard, TotalRows = row, SpecialTokensExcluded = parts.Sum(p => p.Manifest.SpecialTokensExcluded),
            Complete = true, Parts = listed,
            Sources = [.. parts.SelectMany(p => p.Manifest.Sources).DistinctBy(s => s.Sha256)],
            Metadata = new() { ["mergedFrom"] = string.Join(", ", listed.Select(p => p.Path)) },
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, ActivationCacheDefaults.ManifestFileName), merged.ToJson());
        return merged;
    }

    static string Describe(ActivationCacheManifest m) => $"model '{m.Model}', hook '{m.Hook}', d {m.Dimension}, {m.DType}, context {m.Context}";

    // Shards of one sharded extraction go in shard order, and all N must be there once; unsharded caches keep their order.
    static List<(string Dir, ActivationCacheManifest Manifest)> ShardOrder(List<(string Dir, ActivationCacheManifest Manifest)> parts)
    {
        var shards = parts.Select(p => p.Manifest.Metadata.TryGetValue(CorpusShardKey, out var s) ? CorpusShard.Parse(s) : null).ToList();
        if (shards.All(s => s is null)) return parts;
        if (shards.Any(s => s is null))
            throw new ArgumentException($"Some caches come from a sharded extraction and some do not ('{parts[shards.FindIndex(s => s is null)].Dir}'); merge the shards of one extraction.");
        int n = shards[0]!.Count;
        if (shards.Any(s => s!.Count != n))
            throw new ArgumentException($"The caches come from different splits ({string.Join(", ", shards.Select(s => s!.ToString()).Distinct())}); merge the N shards of one extraction.");
        var missing = Enumerable.Range(0, n).Except(shards.Select(s => s!.Index)).ToList();
        var repeated = shards.GroupBy(s => s!.Index).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (missing.Count > 0 || repeated.Count > 0)
            throw new ArgumentException($"A merge of a {n}-way sharded extraction needs each shard once: " +
                (missing.Count > 0 ? $"missing {string.Join(", ", missing.Select(i => $"{i}/{n}"))}" : "") +
                (missing.Count > 0 && repeated.Count > 0 ? "; " : "") +
                (repeated.Count > 0 ? $"repeated {string.Join(", ", repeated.Select(i => $"{i}/{n}"))}" : "") + ".");
        return [.. parts.Zip(shards).OrderBy(p => p.Second!.Index).Select(p => p.First)];
    }

    /// <summary>The shards of every part of a merged cache, each part checked (complete, fitting, row count as listed).</summary>
    static ShardEntry[] PartEntries(string dir, ActivationCacheManifest m)
    {
        var entries = new List<ShardEntry>();
        foreach (var part in m.Parts)
        {
            var partDir = Path.GetFullPath(Path.Combine(dir, part.Path));
            var pm = ActivationCacheManifest.Load(partDir);
            string advice = "Merge the caches again (mlsae cache merge).";
            if (!pm.Complete || pm.Parts.Count > 0 || pm.TotalRows != part.Rows || pm.Dimension != m.Dimension || pm.DType != m.DType)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"The merged cache '{dir}' lists part '{part.Path}' with {part.Rows} rows (d {m.Dimension}, {m.DType}), but '{partDir}' holds {(pm.Complete ? "" : "an incomplete cache of ")}{pm.TotalRows} rows (d {pm.Dimension}, {pm.DType}). {advice}"));
            entries.AddRange(CheckedEntries(partDir, pm, part.FirstRow));
        }
        return [.. entries];
    }
}
