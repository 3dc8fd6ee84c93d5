using MLSae.Persistence;

namespace MLSae.Activations.Cache;

public sealed partial class ActivationCacheWriter
{
    /// <summary>
    /// Starts a cache in <paramref name="directory"/> (created if missing), or continues / replaces
    /// one there as <paramref name="options"/> say. A folder holding a cache is refused unless
    /// <see cref="ActivationCacheWriterOptions.Resume"/> (same cache only) or
    /// <see cref="ActivationCacheWriterOptions.Overwrite"/> is set; a non-empty folder that holds no
    /// cache is always refused (MLSae never deletes files it did not write).
    /// </summary>
    public static ActivationCacheWriter Create(string directory, ActivationCacheWriterOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Check(options);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("The activation cache format is little-endian; big-endian machines are not supported.");
        var dir = Path.GetFullPath(directory);
        // Claimed before anything is read or deleted: a second writer of the same folder fails here, naming the first.
        var folderLock = FolderLock.Acquire(dir, "writing an activation cache");
        try
        {
            var writer = CreateLocked(dir, options);
            writer._lock = folderLock;
            return writer;
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    static ActivationCacheWriter CreateLocked(string dir, ActivationCacheWriterOptions options)
    {
        var sources = (options.SourceFiles ?? []).Select(ActivationCacheSourceFile.FromFile).ToList();
        var manifestPath = Path.Combine(dir, ActivationCacheDefaults.ManifestFileName);
        var names = System.IO.Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Where(n => !FolderLock.IsLockFile(n!)).ToList();
        var foreign = names.FirstOrDefault(n => !ActivationCacheLayout.IsCacheFile(n!));

        if (File.Exists(manifestPath) && options.Resume)
        {
            var existing = LoadForResume(dir);
            var mismatch = Difference(existing, options, sources);
            if (mismatch is not null)
                throw new IOException($"'{dir}' holds a different activation cache: {mismatch}. Pass ActivationCacheWriterOptions.Overwrite to replace it, or choose another folder.");
            RemoveUnlisted(dir, existing);
            CheckListedShards(dir, existing);
            if (options.Metadata is not null) existing.Metadata = new(options.Metadata);
            var w = new ActivationCacheWriter(dir, options, existing, existing.TotalRows) { WasAlreadyComplete = existing.Complete };
            w._completed = false;
            Log(existing.Complete
                ? $"activation cache '{dir}' is already complete ({existing.TotalRows} rows); nothing to resume."
                : $"resuming activation cache '{dir}' after {existing.Shards.Count} shards ({existing.TotalRows} rows).");
            return w;
        }
        if (foreign is not null)
            throw new IOException($"'{dir}' is not empty and holds no activation cache (found '{foreign}'). Choose an empty or new output folder; MLSae does not delete files it did not write.");
        if (names.Count > 0 && !options.Overwrite)
        {
            var what = File.Exists(manifestPath) ? DescribeExisting(dir) : "leftover activation cache files without a manifest";
            if (options.Resume)
                throw new IOException($"'{dir}' holds {what}: there is nothing to resume. Pass ActivationCacheWriterOptions.Overwrite to start again.");
            throw new IOException($"'{dir}' already holds {what}. Pass ActivationCacheWriterOptions.Resume to continue it or ActivationCacheWriterOptions.Overwrite to replace it.");
        }
        foreach (var n in names) File.Delete(Path.Combine(dir, n!));

        var now = DateTimeOffset.UtcNow;
        var manifest = new ActivationCacheManifest
        {
            MLSaeVersion = typeof(ActivationCacheWriter).Assembly.GetName().Version?.ToString(3) ?? "",
            CreatedUtc = now,
            Model = options.Model,
            Hook = options.Hook,
            Dimension = options.Dimension,
            DType = options.DType.ToManifestName(),
            Context = options.Context,
            RowsPerShard = options.RowsPerShard,
            Sources = sources,
            Metadata = options.Metadata is null ? [] : new(options.Metadata),
        };
        var writer = new ActivationCacheWriter(dir, options, manifest, 0);
        writer.WriteManifest(); // an empty, incomplete cache: the folder is claimed and resumable from row 0
        return writer;
    }

    static void Check(ActivationCacheWriterOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Model)) throw new ArgumentException("ActivationCacheWriterOptions.Model is required (the model source name).", nameof(o));
        if (string.IsNullOrWhiteSpace(o.Hook)) throw new ArgumentException("ActivationCacheWriterOptions.Hook is required (the hook point).", nameof(o));
        if (o.Dimension <= 0) throw new ArgumentException($"ActivationCacheWriterOptions.Dimension must be > 0, not {o.Dimension}.", nameof(o));
        if (o.RowsPerShard <= 0) throw new ArgumentException($"ActivationCacheWriterOptions.RowsPerShard must be > 0, not {o.RowsPerShard}.", nameof(o));
        if (o.Context <= 0) throw new ArgumentException($"ActivationCacheWriterOptions.Context must be > 0, not {o.Context}.", nameof(o));
        if (!Enum.IsDefined(o.DType)) throw new ArgumentException($"Unknown dtype {o.DType}.", nameof(o));
        if (o.Resume && o.Overwrite) throw new ArgumentException("Pass either ActivationCacheWriterOptions.Resume or ActivationCacheWriterOptions.Overwrite, not both.", nameof(o));
    }

    static ActivationCacheManifest LoadForResume(string dir)
    {
        try { return ActivationCacheManifest.Load(dir); }
        catch (InvalidDataException e)
        {
            throw new IOException($"Cannot resume the activation cache in '{dir}': {e.Message} Pass ActivationCacheWriterOptions.Overwrite to start again.", e);
        }
    }

    static string? Difference(ActivationCacheManifest m, ActivationCacheWriterOptions o, List<ActivationCacheSourceFile> sources)
    {
        if (m.Model != o.Model) return $"model is '{m.Model}' there, '{o.Model}' requested";
        if (m.Hook != o.Hook) return $"hook is '{m.Hook}' there, '{o.Hook}' requested";
        if (m.Dimension != o.Dimension) return $"d is {m.Dimension} there, {o.Dimension} requested";
        if (m.ElementType != o.DType) return $"dtype is {m.DType} there, {o.DType.ToManifestName()} requested";
        if (m.Context != o.Context) return $"context is {m.Context} there, {o.Context} requested";
        if (m.RowsPerShard != o.RowsPerShard) return $"rows per shard is {m.RowsPerShard} there, {o.RowsPerShard} requested";
        string? shardThere = m.Metadata.GetValueOrDefault(ActivationCache.CorpusShardKey), shardNow = o.Metadata?.GetValueOrDefault(ActivationCache.CorpusShardKey);
        if (shardThere != shardNow) return $"it holds corpus shard {shardThere ?? "(none: the whole corpus)"}, shard {shardNow ?? "(none: the whole corpus)"} requested";
        if (m.Sources.Count != sources.Count) return $"it was extracted from {m.Sources.Count} source files, {sources.Count} given now";
        for (int i = 0; i < sources.Count; i++)
            if (m.Sources[i].Sha256 != sources[i].Sha256 || m.Sources[i].Bytes != sources[i].Bytes)
                return $"source file {i} ('{sources[i].Path}') has different content than when the cache was started ('{m.Sources[i].Path}')";
        return null;
    }

    static string DescribeExisting(string dir)
    {
        try
        {
            var m = ActivationCacheManifest.Load(dir);
            return $"an activation cache (model '{m.Model}', hook '{m.Hook}', d {m.Dimension}, {m.TotalRows} rows, {(m.Complete ? "complete" : "incomplete")})";
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return "an activation cache with an unreadable manifest";
        }
    }

    /// <summary>Deletes temp files and shard files the manifest does not list (a shard cut off by a crash).</summary>
    static void RemoveUnlisted(string dir, ActivationCacheManifest m)
    {
        var listed = m.Shards.SelectMany(s => s.Files).Select(f => f.File).ToHashSet(StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.EnumerateFiles(dir))
        {
            var name = Path.GetFileName(path);
            if (ActivationCacheLayout.IsTempFile(name) || (name.StartsWith("shard-", StringComparison.Ordinal) && !listed.Contains(name)))
                File.Delete(path);
        }
    }

    static void CheckListedShards(string dir, ActivationCacheManifest m)
    {
        foreach (var s in m.Shards)
            foreach (var f in s.Files)
                ActivationCache.CheckFile(dir, f, s.Index, "Pass ActivationCacheWriterOptions.Overwrite to start again.");
    }
}
