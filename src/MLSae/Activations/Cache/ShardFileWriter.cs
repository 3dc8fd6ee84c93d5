using System.Security.Cryptography;

namespace MLSae.Activations.Cache;

/// <summary>
/// Streams one shard file into a hidden temp file beside its final name, hashing as it goes;
/// <see cref="Commit"/> flushes to disk and renames, so the final name only ever holds a whole file.
/// </summary>
sealed class ShardFileWriter : IDisposable
{
    readonly string _directory;
    readonly string _fileName;
    readonly string _tempPath;
    readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    Stream? _stream;
    long _bytes;

    /// <param name="directory">The cache folder.</param>
    /// <param name="fileName">The final file name.</param>
    /// <param name="open">Opens the temp file for writing; null = a FileStream (tests inject failures here).</param>
    public ShardFileWriter(string directory, string fileName, Func<string, Stream>? open = null)
    {
        _directory = directory;
        _fileName = fileName;
        _tempPath = Path.Combine(directory, "." + fileName + ".tmp");
        _stream = open?.Invoke(_tempPath) ?? new FileStream(_tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public string TempPath => _tempPath;

    public void Write(ReadOnlySpan<byte> data)
    {
        _stream!.Write(data);
        _hash.AppendData(data);
        _bytes += data.Length;
    }

    public ActivationCacheFile Commit()
    {
        if (_stream is FileStream fs) fs.Flush(flushToDisk: true);
        else _stream!.Flush();
        _stream.Dispose();
        _stream = null;
        File.Move(_tempPath, Path.Combine(_directory, _fileName), overwrite: true);
        return new ActivationCacheFile(_fileName, _bytes, Convert.ToHexStringLower(_hash.GetHashAndReset()));
    }

    /// <summary>Closes and deletes the temp file; never throws.</summary>
    public void Abort()
    {
        try { _stream?.Dispose(); } catch (IOException) { }
        _stream = null;
        try { File.Delete(_tempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        if (_stream is not null) Abort();
        _hash.Dispose();
    }
}
