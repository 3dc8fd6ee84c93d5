using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using MLSae.Diagnostics;
using static TorchSharp.torch;

namespace MLSae.Training;

/// <summary>
/// Whether bfloat16 products pay off on this machine: before a <see cref="TrainingPrecision.Bf16"/> run, one encoder-sized
/// product is timed in float32 and in bf16 (a few milliseconds), and the run says once per process when bf16 is the
/// slower one (a CPU without avx512_bf16 / AMX, where libtorch emulates bf16), rather than silently training slower.
/// A device that cannot multiply bf16 at all is an error naming the option.
/// </summary>
public static class Bf16ProductProbe
{
    const int Rows = 512, Repeats = 3;
    static int s_warned;

    /// <summary>Times the products for width <paramref name="inputDim"/> and m <paramref name="featureCount"/> and logs the notice when bf16 is slower.</summary>
    public static void CheckBeforeTraining(int inputDim, int featureCount)
    {
        var (fp32, bf16) = Measure(inputDim, featureCount);
        if (Notice(fp32, bf16, CpuFlags()) is { } notice && Interlocked.Exchange(ref s_warned, 1) == 0)
            MLSaeLog.Info(notice);
    }

    /// <summary>The one-time notice when a bf16 product took longer than the float32 one (seconds each), or null.</summary>
    internal static string? Notice(double fp32Seconds, double bf16Seconds, string cpuFlags) =>
        bf16Seconds < fp32Seconds ? null
        : $"SaeTrainingOptions.Precision is Bf16, but a bf16 product ran {bf16Seconds / Math.Max(1e-12, fp32Seconds):F1}x as long as float32 here " +
          $"({cpuFlags}): training will be slower than in Fp32. Set Precision to Fp32 unless you need bf16 for memory.";

    // Best of a few runs of [Rows, d] x [d, m], as the encoder product; the first runs warm the kernels and pages.
    static (double Fp32, double Bf16) Measure(int d, int m)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator(1);   // not the global generator: the probe must not shift a run's random numbers
        var x = randn(Rows, d, generator: generator);
        var w = randn(m, d, generator: generator);
        double fp32 = Best(() => mm(x, w.t())), bf16;
        try
        {
            var xb = x.to(ScalarType.BFloat16);
            var wb = w.to(ScalarType.BFloat16);
            bf16 = Best(() => mm(xb, wb.t()));
        }
        catch (Exception e) when (e is ExternalException or NotSupportedException or InvalidOperationException)
        {
            throw new NotSupportedException($"SaeTrainingOptions.Precision Bf16: this libtorch build cannot multiply bfloat16 tensors ({e.Message}). Use Fp32.", e);
        }
        return (fp32, bf16);
    }

    static double Best(Func<Tensor> product)
    {
        double best = double.MaxValue;
        for (int i = 0; i < Repeats + 2; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            product();
            if (i >= 2) best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    // The CPU's bf16 instructions as Linux reports them, for the notice.
    static string CpuFlags()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return "CPU flags unknown";
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? [];
            var bf16 = flags.Where(f => f is "avx512_bf16" or "amx_bf16" or "avx_ne_convert").ToArray();
            return bf16.Length == 0 ? "the CPU reports no avx512_bf16 or amx_bf16" : "CPU: " + string.Join(", ", bf16);
        }
        catch (IOException) { return "CPU flags unknown"; }
    }
}
