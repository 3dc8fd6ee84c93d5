using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MLSae.Models;
using MLSae.Runtime;
using MLSae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Benchmarks.Training;

/// <summary>
/// bf16 mixed precision (<see cref="SaeTrainingOptions.Precision"/>) against float32 at d = 384, m = 4096, B = 4096:
/// a standard step and a TopK (k = 32) step in each precision, beside the [B,d] x [d,m] product in that precision (written
/// in place into a [B,m] buffer), so each step's GFLOP/s can be read against the product rate of the same run.
/// Steps count 10 B d m FLOP (dense-equivalent for TopK), the product 2 B d m.
/// </summary>
[Config(typeof(GflopsConfig))]
[WarmupCount(SteadyState.WarmUpOperations)]
public class MixedPrecisionStepBenchmarks
{
    const int B = 4096, D = 384, M = 4096;

    [Params(TrainingPrecision.Fp32, TrainingPrecision.Bf16)]
    public TrainingPrecision Precision { get; set; }

    SaeModule _standard = null!, _topK = null!;
    Adam _standardAdam = null!, _topKAdam = null!;
    Tensor _x = null!, _a = null!, _w = null!, _product = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpRuntime.EnsureLoaded();
        SteadyState.TuneAllocator();
        manual_seed(1);
        _standard = SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, FeatureCount = M, Precision = Precision }, D);
        _topK = SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, FeatureCount = M, K = 32, Precision = Precision }, D);
        _standardAdam = new Adam(_standard.parameters(), 3e-4);
        _topKAdam = new Adam(_topK.parameters(), 3e-4);
        _x = randn(B, D);
        var type = _standard.ProductType;
        _a = randn(B, D).to(type); _w = randn(M, D).to(type); _product = empty(B, M, dtype: type);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _standardAdam.Dispose(); _topKAdam.Dispose(); _standard.Dispose(); _topK.Dispose();
        _x.Dispose(); _a.Dispose(); _w.Dispose(); _product.Dispose();
    }

    [Benchmark(Description = "matmul B x d x m")]
    public void MatMul() => _product.addmm_(_a, _w.t(), 0, 1);

    [Benchmark(Description = "standard step")]
    public void Standard() => TrainingStep.Run(_standard, _standardAdam, _x);

    [Benchmark(Description = "topk step")]
    public void TopK() => TrainingStep.Run(_topK, _topKAdam, _x);

    sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() => AddColumn(new GflopsColumn(c => (c.Descriptor.WorkloadMethod.Name == nameof(MatMul) ? 2.0 : 10.0) * B * D * M));
    }
}
