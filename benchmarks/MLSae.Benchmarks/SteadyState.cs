using MLSae.Runtime;

namespace MLSae.Benchmarks;

/// <summary>
/// Training runs thousands of steps, so what matters is the steady state, once the allocator holds warm pages for
/// every per-step [B, m] tensor. Here a fresh 64 MB buffer costs ~150 ms of page faults: the first two or three
/// steps of a process take 2-3x as long as the rest, and a quick job (1 warm-up, 3 iterations of one operation
/// each) would mostly measure page faults. Classes whose operations allocate [B, m] tensors use the trainer's
/// allocator settings and <see cref="WarmUpOperations"/> warm-up iterations (<c>[WarmupCount(SteadyState.WarmUpOperations)]</c>).
/// BenchmarkDotNet runs in-process benchmarks on a thread of its own, where glibc keeps no warm pages for blocks
/// this large unless MALLOC_ARENA_MAX=1 (see <c>GlibcAllocator</c>); eng/bench.sh sets it and Program.cs warns without it.
/// </summary>
static class SteadyState
{
    /// <summary>Warm-up iterations for classes with per-step [B, m] tensors (measured: steady from the third step on).</summary>
    public const int WarmUpOperations = 4;

    /// <summary>The trainer's allocator settings (keep freed large blocks on the heap), as in <c>SaeTrainer.Train</c>.</summary>
    public static void TuneAllocator() => GlibcAllocator.Tune(largestStepTensorBytes: 0);

    /// <summary>Whether the process started with every thread on glibc's main heap.</summary>
    public static bool SingleArena => Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") == "1";
}
