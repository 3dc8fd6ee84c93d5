using BenchmarkDotNet.Attributes;
using MLSae.Activations;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Training;

namespace MLSae.Benchmarks.Ordering;

/// <summary>
/// Whole training runs through the real trainer (<see cref="SaeTrainer.Train(IActivationSource, SaeTrainingOptions, IProgress{MLSae.Diagnostics.ProgressInfo}?, IReadOnlyList{ITrainingObserver}?, string?, bool, CancellationToken)"/>)
/// with the observers of <see cref="FeatureOrdering.CreateObservers"/> for each reorder strategy, against the same
/// run with no observers at all (the baseline). One operation = one step (OperationsPerInvoke = <see cref="Steps"/>),
/// so the mean is time per step including the run's fixed setup (module init, init sample) spread over the steps;
/// the difference to the baseline is the cost of tracking (`none`) or tracking + reorders. Small sizes so the quick
/// suite fits: d = 128, B = 1024, 40 steps, reorder warm-up 10, interval 10, adaptive window 5 with threshold 0 (so
/// adaptive and hybrid fire every window; the default threshold is rarely reached on random data).
/// Reorders per run (printed at cleanup): once 1, periodic 4, adaptive 7, hybrid 7 (see docs/benchmarks.md).
/// </summary>
public class ReorderStrategyBenchmarks
{
    const int D = 128, Batch = 1024, Steps = 40, Rows = 16_384;

    /// <summary>m; `--quick` runs 1024 only.</summary>
    [ParamsSource(nameof(Widths))]
    public int M { get; set; }

    public static IEnumerable<int> Widths => BenchConfig.Quick ? [1024] : [1024, 4096];

    InMemoryActivationSource _source = null!;
    readonly Dictionary<string, int> _reorders = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var x = new float[Rows * D];
        // Heavy-tailed inputs so features fire at different rates and the frequency order changes.
        for (int i = 0; i < x.Length; i++) x[i] = (float)(Math.Pow(rng.NextDouble(), 3) * (rng.Next(2) * 2 - 1));
        _source = new InMemoryActivationSource(x, D);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var (k, v) in _reorders) Console.WriteLine($"// reorders per run, m = {M}, {k}: {v}");
        _reorders.Clear();
    }

    SaeTrainingOptions Options => new()
    {
        Architecture = SaeArchitecture.Standard, FeatureCount = M, BatchSize = Batch, Steps = Steps,
        WarmupSteps = 5, SparsityWarmupSteps = 5, InitSampleRows = 4096, LogEvery = Steps, CheckpointEvery = 0, Seed = 1,
    };

    static ReorderOptions Reorder(ReorderStrategyKind kind) => new()
    {
        Strategy = kind, Warmup = 10, Interval = 10, VarianceWindow = 5, VarianceThreshold = 0, HistoryInterval = 0,
    };

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps, Description = "no observers")]
    public double NoObservers() => SaeTrainer.Train(_source, Options).Weights.DecoderBias[0];

    [Benchmark(OperationsPerInvoke = Steps, Description = "none (tracking only)")]
    public double None() => Run(ReorderStrategyKind.None);

    [Benchmark(OperationsPerInvoke = Steps, Description = "once")]
    public double Once() => Run(ReorderStrategyKind.Once);

    [Benchmark(OperationsPerInvoke = Steps, Description = "periodic")]
    public double Periodic() => Run(ReorderStrategyKind.Periodic);

    [Benchmark(OperationsPerInvoke = Steps, Description = "adaptive")]
    public double Adaptive() => Run(ReorderStrategyKind.Adaptive);

    [Benchmark(OperationsPerInvoke = Steps, Description = "hybrid")]
    public double Hybrid() => Run(ReorderStrategyKind.Hybrid);

    double Run(ReorderStrategyKind kind)
    {
        var (tracker, observers) = FeatureOrdering.CreateObservers(Reorder(kind));
        try
        {
            var result = SaeTrainer.Train(_source, Options, observers: observers);
            _reorders[kind.ToString()] = observers.OfType<FeatureReorderObserver>().Sum(o => o.ReorderCount);
            return result.Weights.DecoderBias[0];
        }
        finally
        {
            foreach (var o in observers.OfType<IDisposable>()) o.Dispose();
        }
    }
}
