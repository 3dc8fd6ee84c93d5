using BenchmarkDotNet.Attributes;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Runtime;
using MLSae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Benchmarks.Ordering;

/// <summary>
/// Cost of feature tracking per step and of one exact reorder (parameters + Adam moments) against one training step
/// (forward, backward, Adam, decoder projection) of the standard (ReLU + L1) SAE with d = 384 and a 1024-token batch.
/// Tracking and reorder are the real observers' work (<see cref="FeatureTracker.OnStepEnd"/>,
/// <see cref="FeaturePermuter.Permute"/> of W_enc, b_enc, W_dec, the SAE's per-feature buffers and both Adam moments).
/// </summary>
[WarmupCount(SteadyState.WarmUpOperations)]
public class OrderingBenchmarks
{
    const int D = 384, Batch = 1024;
    SaeModule _module = null!;
    Adam _opt = null!;
    Tensor _x = null!, _fires = null!, _sums = null!;
    FeatureTracker _tracker = null!;
    FeaturePermuter _permuter = null!;
    int[] _orderA = null!, _orderB = null!;
    bool _flip;
    long _step;

    /// <summary>m; `--quick` skips 65,536 (one step there takes ~15 s on 2 cores).</summary>
    [ParamsSource(nameof(Widths))]
    public int M { get; set; }

    public static IEnumerable<int> Widths => BenchConfig.Quick ? [4096, 16384] : [4096, 16384, 65536];

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpRuntime.EnsureLoaded();
        manual_seed(1);
        SteadyState.TuneAllocator();
        _module = SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, FeatureCount = M }, D);
        _opt = optim.Adam(_module.parameters(), lr: 1e-4);
        _x = randn(Batch, D);
        _tracker = new FeatureTracker(new ReorderOptions { HistoryInterval = 0 });
        _tracker.OnTrainingStart(new TrainingStartContext(_module, _opt, 1, long.MaxValue, null));
        _permuter = new FeaturePermuter();
        TrainingStep();   // creates gradients and non-zero Adam moments
        using (var f = _module.Encode(_x).detach())
        {
            _fires = f.gt(0).to_type(ScalarType.Float32).sum([0L]).DetachFromDisposeScope();
            _sums = f.sum([0L]).DetachFromDisposeScope();
        }
        _orderA = FeatureOrder.Random(M, 1);
        _orderB = FeatureOrder.Invert(_orderA);
    }

    [Benchmark(Baseline = true, Description = "training step")]
    public float TrainingStep()
    {
        using var scope = NewDisposeScope();
        var fwd = _module.Forward(_x, new SaeLossContext(100, 0.04, long.MaxValue));
        fwd.Loss.backward();
        _module.BeforeOptimizerStep();
        _opt.step();
        _opt.zero_grad();
        _module.AfterOptimizerStep(default);
        return fwd.Loss.item<float>();
    }

    [Benchmark(Description = "tracking (one step)")]
    public void Tracking()
    {
        _tracker.OnStepEnd(new TrainingStepContext(++_step, _module, _opt, _fires, _sums, Batch, 0, null));
    }

    [Benchmark(Description = "one exact reorder")]
    public void Reorder()
    {
        // Alternate a permutation and its inverse so the benchmark leaves the module as it found it.
        _permuter.Permute(_module, _opt, (_flip = !_flip) ? _orderA : _orderB, ReorderStateMode.Exact);
    }


    [GlobalCleanup]
    public void Cleanup()
    {
        _permuter.Dispose();
        _tracker.Dispose();
        _opt.Dispose();
        _module.Dispose();
    }
}
