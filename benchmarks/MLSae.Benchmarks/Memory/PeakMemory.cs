namespace MLSae.Benchmarks.Memory;

/// <summary>
/// Samples /proc/self/status every 50 ms and keeps the peaks of the resident set split by kind: anonymous memory
/// (heap, tensors, buffers) and file-backed pages (memory-mapped cache shards, reclaimable by the kernel). VmHWM is
/// the kernel's own peak of the sum.
/// </summary>
sealed class PeakMemory : IDisposable
{
    readonly Thread _thread;
    volatile bool _stop;

    public PeakMemory()
    {
        _thread = new Thread(() => { while (!_stop) { Sample(); Thread.Sleep(50); } }) { IsBackground = true };
        _thread.Start();
    }

    public long PeakAnonKb { get; private set; }
    public long PeakFileKb { get; private set; }

    void Sample()
    {
        var s = Read();
        PeakAnonKb = Math.Max(PeakAnonKb, s.GetValueOrDefault("RssAnon"));
        PeakFileKb = Math.Max(PeakFileKb, s.GetValueOrDefault("RssFile"));
    }

    static Dictionary<string, long> Read()
    {
        var d = new Dictionary<string, long>();
        if (!File.Exists("/proc/self/status")) return d;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            int colon = line.IndexOf(':');
            if (colon < 0 || !line.EndsWith(" kB", StringComparison.Ordinal)) continue;
            if (long.TryParse(line[(colon + 1)..^3].Trim(), out long kb)) d[line[..colon]] = kb;
        }
        return d;
    }

    /// <summary>One line: peak total (VmHWM), peak anonymous, peak file-backed, in MiB.</summary>
    public string Report()
    {
        Sample();
        var s = Read();
        return $"peak RSS (VmHWM) {s.GetValueOrDefault("VmHWM") / 1024.0:F0} MiB; peak anonymous {PeakAnonKb / 1024.0:F0} MiB; peak file-backed (mapped cache) {PeakFileKb / 1024.0:F0} MiB; managed heap {GC.GetTotalMemory(false) / 1048576.0:F0} MiB";
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
