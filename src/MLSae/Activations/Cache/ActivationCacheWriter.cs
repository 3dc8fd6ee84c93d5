using System.Runtime.InteropServices;
using MLSae.Diagnostics;
using MLSae.Persistence;

namespace MLSae.Activations.Cache;

/// <summary>
/// Writes a stream of token rows (<see cref="ActivationChunk"/>s) into an activation cache folder:
/// fixed-size shards, each file streamed to a temp file and renamed when the shard is full, then
/// <c>manifest.json</c> rewritten atomically to list it. A crash at any point leaves a cache whose
/// manifest lists only whole shards; <see cref="ActivationCacheWriterOptions.Resume"/> continues it.
/// </summary>
/// <remarks>
/// <para>Resume contract: the producer re-creates the same row stream (same model, hook, sources,
/// settings). The writer knows how many rows the cache already holds (<see cref="ResumedRows"/>) and
/// drops that many leading rows of what it is given, so a producer can simply start again from the
/// beginning. A producer that can fast-forward itself calls <see cref="SkipAhead"/> with the rows it
/// skipped without sending them. The final cache is byte-identical to one written in one go.</para>
/// <para>The writer holds a <see cref="FolderLock"/> on the folder until disposed: a second writer fails at once.</para>
/// <para>Not thread-safe: call from one thread.</para>
/// </remarks>
public sealed partial class ActivationCacheWriter : IDisposable
{
    readonly string _dir;
    readonly ActivationCacheWriterOptions _o;
    readonly ActivationCacheManifest _manifest;
    readonly ShardFileWriter?[] _files = new ShardFileWriter?[4];
    int _pendingRows;
    long _skip;
    ushort[] _bf16 = [];
    bool _completed, _failed, _disposed;
    FolderLock? _lock;

    ActivationCacheWriter(string dir, ActivationCacheWriterOptions o, ActivationCacheManifest manifest, long skip)
    {
        _dir = dir;
        _o = o;
        _manifest = manifest;
        _skip = skip;
        ResumedRows = skip;
        _completed = false;
    }

    /// <summary>The cache folder (full path).</summary>
    public string Directory => _dir;

    /// <summary>Rows the cache already held when this writer was created with resume (0 for a new cache).</summary>
    public long ResumedRows { get; }

    /// <summary>Leading rows of the incoming stream still to be dropped because the cache already holds them.</summary>
    public long RowsToSkip => _skip;

    /// <summary>True when resume found the cache already complete: nothing is left to write.</summary>
    public bool WasAlreadyComplete { get; private set; }

    /// <summary>Rows in shards listed in the manifest (durable).</summary>
    public long RowsCommitted => _manifest.TotalRows;

    /// <summary>Rows accepted so far, including those of the shard being written.</summary>
    public long RowsWritten => _manifest.TotalRows + _pendingRows;

    /// <summary>
    /// Running total of special tokens the producer excluded; set it (not add) before each
    /// <see cref="Append(ActivationChunk)"/> or <see cref="Complete"/>. Restored from the manifest on resume.
    /// </summary>
    public long SpecialTokensExcluded
    {
        get => _manifest.SpecialTokensExcluded;
        set => _manifest.SpecialTokensExcluded = value;
    }

    /// <summary>Test hook: opens a shard temp file for writing (null = a FileStream).</summary>
    internal Func<string, Stream>? OpenTempFile { get; set; }

    /// <summary>The manifest as it stands (listed shards only).</summary>
    public ActivationCacheManifest Manifest => _manifest;

    /// <summary>Tells a resumed writer that the producer skipped <paramref name="rows"/> already-cached rows itself.</summary>
    public void SkipAhead(long rows)
    {
        if (rows < 0 || rows > _skip)
            throw new ArgumentOutOfRangeException(nameof(rows), $"Can skip between 0 and {_skip} rows (the rows the cache already holds and that were not yet sent), not {rows}.");
        _skip -= rows;
    }

    /// <summary>Appends a chunk of rows.</summary>
    public void Append(ActivationChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.Dimension != _o.Dimension)
            throw new ArgumentException($"Chunk dimension {chunk.Dimension} differs from the cache's d = {_o.Dimension}.", nameof(chunk));
        Append(chunk.Activations, chunk.TokenIds, chunk.DocumentIds, chunk.Positions);
    }

    /// <summary>Appends rows: <paramref name="activations"/> is row-major [rows, d]; the id spans have one entry per row.</summary>
    public void Append(ReadOnlySpan<float> activations, ReadOnlySpan<int> tokenIds, ReadOnlySpan<long> documentIds, ReadOnlySpan<int> positions)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed) throw new InvalidOperationException($"A previous write to the activation cache '{_dir}' failed; create a new writer with resume to continue.");
        if (_completed) throw new InvalidOperationException($"The activation cache '{_dir}' is already complete; no more rows can be appended.");
        int d = _o.Dimension;
        int rows = tokenIds.Length;
        if (documentIds.Length != rows || positions.Length != rows || activations.Length != (long)rows * d)
            throw new ArgumentException($"Row counts disagree: {tokenIds.Length} token ids, {documentIds.Length} document ids, {positions.Length} positions, {activations.Length} activations (expected rows x d = {(long)rows * d}).");

        if (_skip > 0)
        {
            int drop = (int)Math.Min(_skip, rows);
            _skip -= drop;
            rows -= drop;
            activations = activations.Slice(drop * d);
            tokenIds = tokenIds.Slice(drop);
            documentIds = documentIds.Slice(drop);
            positions = positions.Slice(drop);
        }
        if (rows == 0) return;
        if (WasAlreadyComplete)
            throw new InvalidOperationException($"The activation cache '{_dir}' was already complete with {_manifest.TotalRows} rows, but the input produced more. The input changed since the cache was written: extract again with ActivationCacheWriterOptions.Overwrite.");

        try
        {
            int done = 0;
            while (done < rows)
            {
                if (_files[0] is null) OpenShard();
                int n = Math.Min(rows - done, _o.RowsPerShard - _pendingRows);
                WriteActivations(activations.Slice(done * d, n * d));
                _files[1]!.Write(MemoryMarshal.AsBytes(tokenIds.Slice(done, n)));
                _files[2]!.Write(MemoryMarshal.AsBytes(documentIds.Slice(done, n)));
                _files[3]!.Write(MemoryMarshal.AsBytes(positions.Slice(done, n)));
                _pendingRows += n;
                done += n;
                if (_pendingRows == _o.RowsPerShard) CommitShard();
            }
        }
        catch (Exception e)
        {
            Fail();
            if (e is IOException io && IsDiskFull(io))
                throw new IOException($"Disk full while writing shard {_manifest.Shards.Count} of the activation cache '{_dir}'. The {_manifest.Shards.Count} shards listed in manifest.json ({_manifest.TotalRows} rows) are intact and nothing half-written was kept; free space and run again with ActivationCacheWriterOptions.Resume.", e);
            throw;
        }
    }

    /// <summary>
    /// Writes the last (possibly short) shard and marks the manifest complete. Returns the final manifest.
    /// Throws when a resumed producer delivered fewer rows than the cache already held.
    /// </summary>
    public ActivationCacheManifest Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed) throw new InvalidOperationException($"A previous write to the activation cache '{_dir}' failed; create a new writer with resume to continue.");
        if (_completed) return _manifest;
        if (_skip > 0)
            throw new InvalidOperationException($"The activation cache '{_dir}' already held {ResumedRows} rows but the resumed input produced only {ResumedRows - _skip}. The input changed since the cache was written: extract again with ActivationCacheWriterOptions.Overwrite.");
        if (WasAlreadyComplete)
        {
            _completed = true; // nothing was written; the manifest stays as it was
            return _manifest;
        }
        try
        {
            if (_pendingRows > 0) CommitShard();
            _manifest.Complete = true;
            WriteManifest();
        }
        catch (Exception e)
        {
            Fail();
            if (e is IOException io && IsDiskFull(io))
                throw new IOException($"Disk full while finishing the activation cache '{_dir}'. Free space and run again with ActivationCacheWriterOptions.Resume.", e);
            throw;
        }
        _completed = true;
        return _manifest;
    }

    /// <summary>Test hook: what the operating system does when the process is killed: the folder lock goes, temp files stay.</summary>
    internal void ReleaseLockAsIfKilled()
    {
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>Abandons the shard being written (its temp files are deleted); listed shards stay and can be resumed.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        AbortShard();
        _lock?.Dispose();   // another process may write the folder from here on
    }

    void WriteActivations(ReadOnlySpan<float> values)
    {
        if (_o.DType == ActivationDType.Float32)
        {
            _files[0]!.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        if (_bf16.Length < values.Length) _bf16 = new ushort[values.Length];
        var bits = _bf16.AsSpan(0, values.Length);
        ActivationDTypes.ToBFloat16(values, bits);
        _files[0]!.Write(MemoryMarshal.AsBytes((ReadOnlySpan<ushort>)bits));
    }

    void OpenShard()
    {
        int i = _manifest.Shards.Count;
        _files[0] = new ShardFileWriter(_dir, ActivationCacheLayout.ActivationsFile(i, _o.DType), OpenTempFile);
        _files[1] = new ShardFileWriter(_dir, ActivationCacheLayout.TokenIdsFile(i), OpenTempFile);
        _files[2] = new ShardFileWriter(_dir, ActivationCacheLayout.DocumentIdsFile(i), OpenTempFile);
        _files[3] = new ShardFileWriter(_dir, ActivationCacheLayout.PositionsFile(i), OpenTempFile);
    }

    void CommitShard()
    {
        // Files first, then the manifest: a shard becomes visible only when all four are whole.
        var act = _files[0]!.Commit();
        var tok = _files[1]!.Commit();
        var doc = _files[2]!.Commit();
        var pos = _files[3]!.Commit();
        for (int k = 0; k < 4; k++) { _files[k]!.Dispose(); _files[k] = null; }
        _manifest.Shards.Add(new ActivationCacheShard(_manifest.Shards.Count, _pendingRows, act, tok, doc, pos));
        _manifest.TotalRows += _pendingRows;
        _pendingRows = 0;
        WriteManifest();
    }

    void WriteManifest()
    {
        _manifest.UpdatedUtc = DateTimeOffset.UtcNow;
        AtomicFile.WriteAllText(Path.Combine(_dir, ActivationCacheDefaults.ManifestFileName), _manifest.ToJson());
    }

    void AbortShard()
    {
        for (int k = 0; k < 4; k++)
        {
            _files[k]?.Dispose();
            _files[k] = null;
        }
        _pendingRows = 0;
    }

    void Fail()
    {
        _failed = true;
        AbortShard();
    }

    // ENOSPC (28) and EDQUOT (122) on Linux; ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows (as AtomicFile).
    internal static bool IsDiskFull(IOException e) =>
        (e.HResult & 0xFFFF) is 28 or 122 or 0x70 or 0x27 || e.Message.StartsWith("Disk full", StringComparison.Ordinal);

    static void Log(string message) => MLSaeLog.Info(message);
}
