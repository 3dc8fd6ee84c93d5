using BenchmarkDotNet.Attributes;
using MLSae.Models;
using MLSae.Runtime;
using MLSae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Benchmarks.Training;

/// <summary>
/// Is `topk` faster than dense `standard` at the same m? One training step (forward, backward, Adam, decoder
/// projection) at B = 4096, d = 384, k = 32: standard (the baseline), TopK with its sparse decoder and sparse weight
/// gradients (the default on the CPU), and TopK with dense [B, m] codes (<see cref="SaeModule.SparseKernels"/> off).
/// `AuxK` adds a step in which a quarter of the features count as dead, so the auxiliary loss runs as well.
/// </summary>
[WarmupCount(SteadyState.WarmUpOperations)]
public class TopKDecoderBenchmarks
{
    const int B = 4096, D = 384, K = 32;

    /// <summary>m.</summary>
    [Params(4096, 16384)]
    public int M { get; set; }

    SaeModule _standard = null!;
    TopKSae _topK = null!;
    Adam _standardAdam = null!, _topKAdam = null!;
    Tensor _x = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpRuntime.EnsureLoaded();
        SteadyState.TuneAllocator();
        manual_seed(1);
        _standard = SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, FeatureCount = M }, D);
        _topK = (TopKSae)SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, FeatureCount = M, K = K }, D);
        _standardAdam = new Adam(_standard.parameters(), 3e-4);
        _topKAdam = new Adam(_topK.parameters(), 3e-4);
        _x = randn(B, D);
        // Every fourth feature has not fired for 10^6 tokens: dead for the AuxK benchmark (threshold 10^5 there).
        _topK.TokensSinceFired.copy_(arange(M, dtype: ScalarType.Int64).remainder(4).eq(0).to(ScalarType.Int64) * 1_000_000);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _standardAdam.Dispose(); _topKAdam.Dispose();
        _standard.Dispose(); _topK.Dispose(); _x.Dispose();
    }

    [Benchmark(Baseline = true, Description = "standard step")]
    public void Standard() => Step(_standard, _standardAdam, long.MaxValue);

    [Benchmark(Description = "topk step, sparse")]
    public void TopKSparse() { _topK.SparseKernels = true; Step(_topK, _topKAdam, long.MaxValue); }

    [Benchmark(Description = "topk step, dense")]
    public void TopKDense() { _topK.SparseKernels = false; Step(_topK, _topKAdam, long.MaxValue); }

    [Benchmark(Description = "topk step + AuxK, sparse")]
    public void TopKAuxKSparse() { _topK.SparseKernels = true; Step(_topK, _topKAdam, 100_000); }

    [Benchmark(Description = "topk step + AuxK, dense")]
    public void TopKAuxKDense() { _topK.SparseKernels = false; Step(_topK, _topKAdam, 100_000); }

    void Step(SaeModule sae, Adam adam, long deadFeatureTokens) => TrainingStep.Run(sae, adam, _x, deadFeatureTokens);

}
