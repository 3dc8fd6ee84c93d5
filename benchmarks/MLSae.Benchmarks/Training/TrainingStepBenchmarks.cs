using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MLSae.Models;
using MLSae.Runtime;
using MLSae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Benchmarks.Training;

/// <summary>
/// One SAE training step (forward, backward, Adam, decoder projection) per architecture at B = 4096, against the
/// float32 matrix product [B,d] x [d,m] measured in the same class (the baseline; written in place into a [B,m] buffer,
/// so it is the product's rate without a fresh 64 MB allocation per call). A standard step is 10 B d m FLOP
/// (2 products forward, 3 backward); the GFLOP/s column divides that count (dense-equivalent for the top-k family)
/// by the mean time, and 2 B d m for the matrix product. Grid: d in {384, 512}, m in {4096, 16384}; `--quick` runs
/// d = 384, m = 4096 only (<see cref="Dims"/>, <see cref="Widths"/>).
/// </summary>
[Config(typeof(GflopsConfig))]
[WarmupCount(SteadyState.WarmUpOperations)]
public class TrainingStepBenchmarks
{
    const int B = 4096;

    [Params(SaeArchitecture.Standard, SaeArchitecture.JumpReLU, SaeArchitecture.TopK, SaeArchitecture.BatchTopK, SaeArchitecture.Matryoshka, SaeArchitecture.Ordered)]
    public SaeArchitecture Architecture { get; set; }

    /// <summary>d.</summary>
    [ParamsSource(nameof(Dims))]
    public int D { get; set; }

    /// <summary>m.</summary>
    [ParamsSource(nameof(Widths))]
    public int M { get; set; }

    public static IEnumerable<int> Dims => BenchConfig.Quick ? [384] : [384, 512];
    public static IEnumerable<int> Widths => BenchConfig.Quick ? [4096] : [4096, 16384];

    SaeModule _sae = null!;
    Adam _adam = null!;
    Tensor _x = null!, _a = null!, _w = null!, _product = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpRuntime.EnsureLoaded();
        SteadyState.TuneAllocator();
        manual_seed(1);
        _sae = SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = Architecture, FeatureCount = M, K = 32 }, D);
        _adam = new Adam(_sae.parameters(), 3e-4);
        _x = randn(B, D);
        _a = randn(B, D); _w = randn(M, D); _product = empty(B, M);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adam.Dispose(); _sae.Dispose();
        _x.Dispose(); _a.Dispose(); _w.Dispose(); _product.Dispose();
    }

    [Benchmark(Baseline = true, Description = "matmul B x d x m")]
    public void MatMul() => _product.addmm_(_a, _w.t(), 0, 1);

    [Benchmark(Description = "training step")]
    public void Step() => TrainingStep.Run(_sae, _adam, _x);


    /// <summary>FLOP per operation: 2 B d m for the product, 10 B d m for a step.</summary>
    static double Flop(string method, int d, int m) => (method == nameof(MatMul) ? 2.0 : 10.0) * B * d * m;

    sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() => AddColumn(new GflopsColumn((c) =>
            Flop(c.Descriptor.WorkloadMethod.Name, (int)c.Parameters["D"], (int)c.Parameters["M"])));
    }
}
