using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MLSae.Ordering;
using MLSae.Runtime;
using MLSae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Benchmarks.Ordering;

/// <summary>A plain ReLU + L1 SAE for timing (the real trainers live on another branch).</summary>
sealed class BenchSae : nn.Module<Tensor, Tensor>, IFeaturePermutable
{
    public readonly Parameter W_enc, b_enc, W_dec, b_dec;

    public BenchSae(int d, int m) : base(nameof(BenchSae))
    {
        W_enc = new Parameter(randn(m, d).mul_(1.0 / Math.Sqrt(d)));
        b_enc = new Parameter(zeros(m));
        W_dec = new Parameter(randn(m, d).mul_(1.0 / Math.Sqrt(m)));
        b_dec = new Parameter(zeros(d));
        RegisterComponents();
        FeatureCount = m;
    }

    public int FeatureCount { get; }
    public IEnumerable<(Parameter Parameter, long FeatureDim)> FeatureParameters() => [(W_enc, 0), (b_enc, 0), (W_dec, 0)];
    public IEnumerable<(Tensor Buffer, long FeatureDim)> FeatureBuffers() => [];
    public override Tensor forward(Tensor x) => nn.functional.relu(matmul(x - b_dec, W_enc.t()) + b_enc);
}

/// <summary>
/// Cost of feature tracking per step and of one exact reorder (parameters + Adam moments) against one training step
/// (forward, backward, Adam) of a ReLU SAE with d = 384 and a 1024-token batch.
/// </summary>
[Config(typeof(OrderingBenchmarkConfig))]
public class OrderingBenchmarks
{
    const int D = 384, Batch = 1024;
    BenchSae _module = null!;
    Adam _opt = null!;
    Tensor _x = null!, _fires = null!, _sums = null!;
    FeatureTracker _tracker = null!;
    FeaturePermuter _permuter = null!;
    int[] _orderA = null!, _orderB = null!;
    bool _flip;
    long _step;

    [Params(4096, 16384, 65536)]
    public int M { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpRuntime.EnsureLoaded();
        manual_seed(1);
        _module = new BenchSae(D, M);
        _opt = optim.Adam(_module.parameters(), lr: 1e-4);
        _x = randn(Batch, D);
        _tracker = new FeatureTracker(new ReorderOptions { HistoryInterval = 0 });
        _tracker.OnTrainingStart(new TrainingStartContext(_module, _opt, 1, long.MaxValue, null));
        _permuter = new FeaturePermuter();
        TrainingStep();   // creates gradients and non-zero Adam moments
        using (var f = _module.forward(_x).detach())
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
        var f = _module.forward(_x);
        var xh = matmul(f, _module.W_dec) + _module.b_dec;
        var loss = (xh - _x).square().sum(1).mean() + 1e-3 * f.abs().sum(1).mean();
        _opt.zero_grad();
        loss.backward();
        _opt.step();
        return loss.item<float>();
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

/// <summary>
/// Few iterations (a 65536-feature step takes seconds on 2 cores), in process (the generated-project build times
/// out on this shared machine).
/// </summary>
sealed class OrderingBenchmarkConfig : ManualConfig
{
    public OrderingBenchmarkConfig() =>
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5)
            .WithToolchain(InProcessEmitToolchain.Instance));
}
