using System.Buffers;
using MLSae.Diagnostics;

namespace MLSae.Activations.Cache;

/// <summary>
/// A finished activation cache opened for reading: an <see cref="IActivationSource"/> over its rows
/// plus readers of token ids, document ids and positions. Shards are memory-mapped on first use;
/// bfloat16 shards are widened to float32 as they are read. Every read is checked for NaN and infinity
/// (<see cref="InvalidDataException"/> naming the shard and row). Reads are thread-safe.
/// </summary>
public sealed partial class ActivationCache : IActivationSource, IDisposable
{
    readonly MappedShard?[] _shards;
    // Every shard file set in row order with its folder (a merged cache's shards live in its parts) and first row.
    readonly ShardEntry[] _entries;
    readonly long[] _starts;
    readonly object _gate = new();
    bool _disposed;

    ActivationCache(string dir, ActivationCacheManifest manifest, ShardEntry[] entries)
    {
        _entries = entries;
        _starts = [.. entries.Select(e => e.FirstRow)];
        Directory = dir;
        Manifest = manifest;
        DType = manifest.ElementType;
        Dimension = manifest.Dimension;
        RowCount = manifest.TotalRows;
        _shards = new MappedShard?[entries.Length];
    }

    /// <summary>
    /// Opens the cache in <paramref name="directory"/> after checking the manifest and that every
    /// listed shard file exists with the expected size (hashes: <see cref="Verify"/>). An
    /// incomplete cache (extraction interrupted) is refused unless <paramref name="allowIncomplete"/>,
    /// which exposes the rows written so far.
    /// </summary>
    public static ActivationCache Open(string directory, bool allowIncomplete = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var dir = Path.GetFullPath(directory);
        var m = ActivationCacheManifest.Load(dir);
        if (!m.Complete && !allowIncomplete)
            throw new InvalidOperationException($"The activation cache '{dir}' is incomplete: extraction stopped after {m.Shards.Count} shards ({m.TotalRows} rows). Finish it by extracting again with ActivationCacheWriterOptions.Resume.");
        var entries = m.Parts.Count > 0 ? PartEntries(dir, m) : CheckedEntries(dir, m, 0);
        return new ActivationCache(dir, m, entries);
    }

    /// <summary>The shards of an extracted cache, their files checked against the manifest, rows numbered from <paramref name="firstRow"/>.</summary>
    static ShardEntry[] CheckedEntries(string dir, ActivationCacheManifest m, long firstRow)
    {
        int es = m.ElementType.ElementSize();
        var entries = new ShardEntry[m.Shards.Count];
        foreach (var s in m.Shards)
        {
            Expect(dir, s.Index, s.Activations, s.Rows * m.Dimension * es, $"{s.Rows} rows x d {m.Dimension} x {es} bytes");
            Expect(dir, s.Index, s.TokenIds, s.Rows * 4, $"{s.Rows} rows x 4 bytes");
            Expect(dir, s.Index, s.DocumentIds, s.Rows * 8, $"{s.Rows} rows x 8 bytes");
            Expect(dir, s.Index, s.Positions, s.Rows * 4, $"{s.Rows} rows x 4 bytes");
            entries[s.Index] = new ShardEntry(dir, s, firstRow);
            firstRow += s.Rows;
        }
        return entries;
    }

    sealed record ShardEntry(string Directory, ActivationCacheShard Shard, long FirstRow);

    /// <summary>The cache folder (full path).</summary>
    public string Directory { get; }
    /// <summary>The manifest.</summary>
    public ActivationCacheManifest Manifest { get; }
    /// <summary>How the activations are stored.</summary>
    public ActivationDType DType { get; }
    /// <inheritdoc />
    public int Dimension { get; }
    /// <inheritdoc />
    public long RowCount { get; }

    /// <inheritdoc />
    public void ReadRows(long firstRow, int count, Span<float> destination)
    {
        CheckRange(firstRow, count);
        int d = Dimension;
        if (destination.Length < (long)count * d)
            throw new ArgumentException($"Destination holds {destination.Length} floats; {count} rows x d {d} need {(long)count * d}.", nameof(destination));
        for (int done = 0, n; done < count; done += n)
        {
            n = Segment(firstRow + done, count - done, out var shard, out long rowInShard);
            var dst = destination.Slice(done * d, n * d);
            if (DType == ActivationDType.Float32)
                shard.Activations.Read(rowInShard * d, dst);
            else
                ReadBFloat16(shard.Activations, rowInShard * d, dst);
            if (NonFiniteValues.IndexOfFirst(dst) is >= 0 and var bad)
                throw NonFinite(firstRow + done, rowInShard, bad, dst[(int)bad]);
        }
    }

    /// <summary>Names the shard, row and column of a NaN or infinity, and says the data, not the caller, is at fault.</summary>
    InvalidDataException NonFinite(long segmentFirstRow, long rowInShard, long index, float value)
    {
        int d = Dimension;
        long row = index / d;
        int si = EntryOf(segmentFirstRow + row);
        var file = Path.Combine(_entries[si].Directory, _entries[si].Shard.Activations.File);
        return new InvalidDataException($"The activation data is at fault: shard {si} ('{file}') row {rowInShard + row} (cache row {segmentFirstRow + row}) " +
            $"holds {NonFiniteValues.Describe(value)} in column {index % d}. NaN and infinite activations cannot be trained on, scored or evaluated; " +
            "extract the cache again (check the model and its inputs) or remove those rows.");
    }

    /// <summary>Copies the token ids of rows [firstRow, firstRow + count) into <paramref name="destination"/>.</summary>
    public void ReadTokenIds(long firstRow, int count, Span<int> destination)
    {
        CheckRange(firstRow, count);
        for (int done = 0, n; done < count; done += n)
        {
            n = Segment(firstRow + done, count - done, out var shard, out long r);
            shard.TokenIds.Read(r, destination.Slice(done, n));
        }
    }

    /// <summary>Copies the document ids of rows [firstRow, firstRow + count) into <paramref name="destination"/>.</summary>
    public void ReadDocumentIds(long firstRow, int count, Span<long> destination)
    {
        CheckRange(firstRow, count);
        for (int done = 0, n; done < count; done += n)
        {
            n = Segment(firstRow + done, count - done, out var shard, out long r);
            shard.DocumentIds.Read(r, destination.Slice(done, n));
        }
    }

    /// <summary>Copies the positions of rows [firstRow, firstRow + count) into <paramref name="destination"/>.</summary>
    public void ReadPositions(long firstRow, int count, Span<int> destination)
    {
        CheckRange(firstRow, count);
        for (int done = 0, n; done < count; done += n)
        {
            n = Segment(firstRow + done, count - done, out var shard, out long r);
            shard.Positions.Read(r, destination.Slice(done, n));
        }
    }

    /// <summary>
    /// Recomputes the SHA-256 of every shard file and compares it with the manifest; throws
    /// <see cref="InvalidDataException"/> naming the first file that differs. Reads the whole cache.
    /// </summary>
    public void Verify(IProgress<ProgressInfo>? progress = null)
    {
        long total = _entries.Sum(e => e.Shard.Files.Sum(f => f.Bytes)), done = 0;
        foreach (var (dir, s, _) in _entries)
            foreach (var f in s.Files)
            {
                var path = Path.Combine(dir, f.File);
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
                if (!string.Equals(hash, f.Sha256, StringComparison.OrdinalIgnoreCase))
                    throw new InvalidDataException($"Shard {s.Index} file '{path}' is corrupt: its SHA-256 is {hash}, manifest.json expects {f.Sha256}. Extract again with ActivationCacheWriterOptions.Overwrite.");
                done += f.Bytes;
                progress?.Report(new ProgressInfo(done, total, "bytes", f.File));
            }
    }

    /// <summary>Releases the memory maps.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            for (int i = 0; i < _shards.Length; i++)
            {
                _shards[i]?.Dispose();
                _shards[i] = null;
            }
        }
    }

    /// <summary>The shard holding <paramref name="row"/>, the row's index in it, and how many of <paramref name="remaining"/> rows it holds from there.</summary>
    int Segment(long row, int remaining, out MappedShard shard, out long rowInShard)
    {
        int si = EntryOf(row);
        rowInShard = row - _entries[si].FirstRow;
        shard = Shard(si);
        return (int)Math.Min(remaining, _entries[si].Shard.Rows - rowInShard);
    }

    // The shard holding row: the last entry starting at or before it (shards of a merged cache differ in size).
    int EntryOf(long row)
    {
        int i = Array.BinarySearch(_starts, row);
        return i >= 0 ? i : ~i - 1;
    }

    MappedShard Shard(int index)
    {
        var s = Volatile.Read(ref _shards[index]);
        if (s is not null) return s;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _shards[index] ??= new MappedShard(_entries[index].Directory, _entries[index].Shard);
        }
    }

    static void ReadBFloat16(MappedFile file, long firstElement, Span<float> destination)
    {
        const int Block = 1 << 16;
        var scratch = ArrayPool<ushort>.Shared.Rent(Math.Min(Block, destination.Length));
        try
        {
            for (int done = 0; done < destination.Length; done += Block)
            {
                int n = Math.Min(Block, destination.Length - done);
                var bits = scratch.AsSpan(0, n);
                file.Read(firstElement + done, bits);
                ActivationDTypes.FromBFloat16(bits, destination.Slice(done, n));
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(scratch);
        }
    }

    void CheckRange(long firstRow, int count)
    {
        if (firstRow < 0 || count < 0 || firstRow + count > RowCount)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"Rows [{firstRow}, {firstRow + count}) are outside the cache's [0, {RowCount}).");
    }

    static void Expect(string dir, int shard, ActivationCacheFile f, long bytes, string why)
    {
        if (f.Bytes != bytes)
            throw new InvalidDataException($"manifest.json in '{dir}' lists shard {shard} file '{f.File}' with {f.Bytes} bytes, but {why} = {bytes}. The manifest is damaged: extract again with ActivationCacheWriterOptions.Overwrite.");
        CheckFile(dir, f, shard, "Extract again with ActivationCacheWriterOptions.Overwrite.");
    }

    /// <summary>Throws when a listed shard file is missing or its length differs from the manifest.</summary>
    internal static void CheckFile(string dir, ActivationCacheFile f, int shard, string advice)
    {
        var path = Path.Combine(dir, f.File);
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"Shard {shard} file '{path}' listed in manifest.json is missing. {advice}", path);
        if (info.Length != f.Bytes)
            throw new InvalidDataException($"Shard {shard} file '{path}' is {info.Length} bytes; manifest.json expects {f.Bytes}. {advice}");
    }

    sealed class MappedShard(string dir, ActivationCacheShard s) : IDisposable
    {
        public MappedFile Activations { get; } = new(Path.Combine(dir, s.Activations.File));
        public MappedFile TokenIds { get; } = new(Path.Combine(dir, s.TokenIds.File));
        public MappedFile DocumentIds { get; } = new(Path.Combine(dir, s.DocumentIds.File));
        public MappedFile Positions { get; } = new(Path.Combine(dir, s.Positions.File));

        public void Dispose()
        {
            Activations.Dispose();
            TokenIds.Dispose();
            DocumentIds.Dispose();
            Positions.Dispose();
        }
    }
}
