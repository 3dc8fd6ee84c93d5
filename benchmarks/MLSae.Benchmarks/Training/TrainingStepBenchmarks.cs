using BenchmarkDotNet.Attributes;
using MLSae.Models;
using MLSae.Runtime;
using MLSae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Benchmarks.Training;

/// <summary>
/// One SAE training step (forward, backward, Adam) at d=384, m=4096, B=4096 against the float32
/// matrix-product rate. A standard step is 10 B d m FLOP (2 products forward, 3 backward):
/// GFLOP/s = 10 B d m / time. MatMul does B x d x m once (2 B d m FLOP) as the baseline rate.
/// </summary>
[InProcess, WarmupCount(1), IterationCount(3)]  // in process: the patched libLibTorchSharp is in the main build output only
public class TrainingStepBenchmarks
{
    [Params(SaeArchitecture.Standard, SaeArchitecture.TopK)]
    public SaeArchitecture Architecture { get; set; }

    const int D = 384, M = 4096, B = 4096;
    SaeModule _sae = null!;
    Adam _adam = null!;
    Tensor _x = null!, _a = null!, _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpRuntime.EnsureLoaded();
        _ = mallopt(-1, int.MaxValue); _ = mallopt(-4, 0);
        _sae = SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = Architecture, FeatureCount = M, K = 32 }, D);
        _adam = new Adam(_sae.parameters(), 3e-4);
        _x = randn(B, D);
        _a = randn(B, D); _w = randn(M, D);
    }

    [Benchmark(Baseline = true, Description = "matmul B x d x m (2BdM FLOP)")]
    public void MatMul() { using var r = mm(_a, _w.t()); }

    [Benchmark(Description = "training step")]
    public void Step()
    {
        using var scope = NewDisposeScope();
        var fwd = _sae.Forward(_x, new SaeLossContext(100, 0.04, long.MaxValue));
        fwd.Loss.backward();
        _sae.BeforeOptimizerStep();
        _adam.step();
        _adam.zero_grad();
        _sae.AfterOptimizerStep(default);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    static extern int mallopt(int param, int value);
}
