using System.Collections.Concurrent;

namespace MLSae.Transforms;

/// <summary>
/// A temp file MLSae created and must delete: on <see cref="Dispose"/>, on finalisation, or at
/// process exit, whichever comes first. ML.NET's OnnxTransformer needs a model file that still
/// exists when the pipeline is saved, so the file lives as long as its transformer.
/// </summary>
sealed class OwnedTempFile : IDisposable
{
    static readonly ConcurrentDictionary<string, byte> s_live = new();
    static int s_hooked;

    public OwnedTempFile(byte[] content, string extension)
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mlsae");
        Directory.CreateDirectory(dir);
        Path = System.IO.Path.Combine(dir, $"sae-{Environment.ProcessId}-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(Path, content);
        s_live[Path] = 0;
        if (Interlocked.Exchange(ref s_hooked, 1) == 0)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var p in s_live.Keys) TryDelete(p); };
    }

    public string Path { get; }

    public void Dispose()
    {
        TryDelete(Path);
        GC.SuppressFinalize(this);
    }

    ~OwnedTempFile() => TryDelete(Path);

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        s_live.TryRemove(path, out _);
    }
}
