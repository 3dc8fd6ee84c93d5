using BenchmarkDotNet.Attributes;
using MLSae.Models;
using MLSae.Runtime;
using MLSae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Benchmarks.Training;

/// <summary>
/// What an exact all-prefix (ordered) loss costs: a TopK step (the same codes, one reconstruction), a Matryoshka step
/// (BatchTopK codes, 5 prefix groups) and an ordered-SAE step (TopK codes, every one of the m prefix lengths, O(B k d)),
/// at d = 384, k = 32, B = 4096, m in {4096, 16384}; the TopK step is the baseline.
/// </summary>
[WarmupCount(SteadyState.WarmUpOperations)]
public class NestedPrefixStepBenchmarks
{
    const int B = 4096, D = 384;

    [Params(SaeArchitecture.TopK, SaeArchitecture.Matryoshka, SaeArchitecture.Ordered)]
    public SaeArchitecture Architecture { get; set; }

    /// <summary>m.</summary>
    [Params(4096, 16384)]
    public int M { get; set; }

    SaeModule _sae = null!;
    Adam _adam = null!;
    Tensor _x = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpRuntime.EnsureLoaded();
        SteadyState.TuneAllocator();
        manual_seed(1);
        _sae = SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = Architecture, FeatureCount = M, K = 32 }, D);
        _adam = new Adam(_sae.parameters(), 3e-4);
        _x = randn(B, D);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _adam.Dispose(); _sae.Dispose(); _x.Dispose();
    }

    [Benchmark(Description = "training step")]
    public void Step() => TrainingStep.Run(_sae, _adam, _x);
}
