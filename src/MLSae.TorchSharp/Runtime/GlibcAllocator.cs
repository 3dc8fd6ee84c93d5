using System.Runtime.InteropServices;
using MLSae.Diagnostics;

namespace MLSae.Runtime;

/// <summary>
/// glibc malloc settings for training. A step allocates several [B, m] float tensors (64 MB each at B = m = 4096);
/// by default glibc maps and unmaps each one, so every step page-faults them in again (~150 ms per 64 MB here,
/// several times the arithmetic). Keeping freed blocks on the heap lets later steps reuse warm pages. That works on
/// the process's main thread; other threads allocate from per-thread arenas whose heaps (64 MB at most) cannot keep
/// such blocks, so there the faults remain (measured: 1.2 s instead of 0.42 s per step) unless the process started
/// with MALLOC_ARENA_MAX=1, which makes every thread use the main heap.
/// </summary>
static class GlibcAllocator
{
    const long LargeBlockBytes = 32L << 20;
    static int s_warned;

    /// <summary>Applies the settings (Linux only) and says once when the calling thread cannot benefit.</summary>
    /// <param name="largestStepTensorBytes">Size of the largest per-step tensor, e.g. B·m·4.</param>
    public static void Tune(long largestStepTensorBytes)
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = mallopt(-1 /* M_TRIM_THRESHOLD */, int.MaxValue);
            _ = mallopt(-4 /* M_MMAP_MAX */, 0);
            if (SlowThreadNotice(largestStepTensorBytes, IsMainThread(), Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX")) is { } notice
                && Interlocked.Exchange(ref s_warned, 1) == 0)
                MLSaeLog.Info(notice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>The one-time notice for a training thread that cannot keep its per-step tensors warm, or null.</summary>
    internal static string? SlowThreadNotice(long largestStepTensorBytes, bool onMainThread, string? mallocArenaMax) =>
        largestStepTensorBytes < LargeBlockBytes || onMainThread || mallocArenaMax is not null ? null
        : $"training off the main thread with {largestStepTensorBytes >> 20} MB per-step tensors: glibc page-faults them again " +
          "every step (about 3x slower). Start the process with MALLOC_ARENA_MAX=1, or train on the main thread.";

    /// <summary>Whether the calling thread is the process's main thread (Linux: its thread id equals the process id).</summary>
    internal static bool IsMainThread() => gettid() == Environment.ProcessId;

    [DllImport("libc")]
    static extern int mallopt(int param, int value);

    [DllImport("libc")]
    static extern int gettid();
}
