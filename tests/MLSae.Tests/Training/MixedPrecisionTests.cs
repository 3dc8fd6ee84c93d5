using MLSae.Activations;
using MLSae.Models;
using MLSae.Runtime;
using MLSae.Tests.Ordering;
using MLSae.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MLSae.Tests.Training;

/// <summary>
/// bf16 mixed precision (<see cref="SaeTrainingOptions.Precision"/>) against float32. Tolerances come from bfloat16's
/// 8-bit significand: unit roundoff u = 2^-8 ≈ 3.9e-3. A product rounds both operands and its output (≤ 3u relative
/// per element, against the sum of absolute terms), so a loss or gradient built from two chained products may move by
/// a small multiple of u; the tests allow 4u = 1.6% relative. float32 (u = 2^-24) would sit five orders below that.
/// The top-k family selects features on bf16 pre-activations, so a feature within a rounding of the k-th can swap with
/// it and carry its whole gradient row along: there the weight gradients get 8u (the loss still 4u, since a swapped
/// feature contributes almost the same code).
/// </summary>
public class MixedPrecisionTests(ITestOutputHelper output)
{
    const int D = 64, M = 256, B = 256;
    const double U = 1.0 / 256, Tolerance = 4 * U, SelectionTolerance = 8 * U;

    static (SaeModule Module, Tensor X) Setup(SaeArchitecture arch)
    {
        TorchSharpRuntime.EnsureLoaded();
        using var generator = new TorchSharp.torch.Generator(3);
        var module = SaeModuleFactory.Create(new SaeTrainingOptions
        {
            Architecture = arch, FeatureCount = M, K = 8, L1Coefficient = 0.1, MatryoshkaPrefixFractions = [0.25, 0.5, 1.0],
            TargetL0 = arch is SaeArchitecture.JumpReLU ? 8 : null, NormalizeActivations = false,
        }, D, generator);
        // Structured inputs with a mean, as activations have: a bf16 error on b_dec would show.
        var x = TestTraining.StructuredData(B, D, seed: 4);
        var t = tensor(x).reshape(B, D) + 0.5;
        return (module, t);
    }

    static (double Loss, double Reconstruction, float[] EncoderGrad, float[] DecoderGrad) Step(SaeModule module, Tensor x, TrainingPrecision precision)
    {
        module.Precision = precision;
        module.zero_grad();
        var fwd = module.Forward(x, new SaeLossContext(0, 0.1, long.MaxValue));
        fwd.Loss.backward();
        var result = (fwd.Loss.item<float>(), (double)fwd.ReconstructionLoss.item<float>(),
            TestTraining.ToArray(module.W_enc.grad!), TestTraining.ToArray(module.W_dec.grad!));
        Assert.Equal(ScalarType.Float32, fwd.Reconstruction.dtype);
        Assert.Equal(ScalarType.Float32, module.W_enc.grad!.dtype);
        return result;
    }

    [Theory]
    [InlineData(SaeArchitecture.Standard)]
    [InlineData(SaeArchitecture.JumpReLU)]
    [InlineData(SaeArchitecture.TopK)]
    [InlineData(SaeArchitecture.BatchTopK)]
    [InlineData(SaeArchitecture.Matryoshka)]
    [InlineData(SaeArchitecture.Ordered)]
    public void Bf16ForwardLossAndGradientsStayWithinAFewUnitRoundoffsOfFloat32(SaeArchitecture arch)
    {
        using var scope = NewDisposeScope();
        var (module, x) = Setup(arch);
        var fp32 = Step(module, x, TrainingPrecision.Fp32);
        var bf16 = Step(module, x, TrainingPrecision.Bf16);
        double loss = Math.Abs(bf16.Loss - fp32.Loss) / Math.Abs(fp32.Loss);
        double recon = Math.Abs(bf16.Reconstruction - fp32.Reconstruction) / Math.Abs(fp32.Reconstruction);
        double enc = TestTraining.RelativeDifference(bf16.EncoderGrad, fp32.EncoderGrad);
        double dec = TestTraining.RelativeDifference(bf16.DecoderGrad, fp32.DecoderGrad);
        output.WriteLine($"{arch}: loss {loss:E2}, reconstruction {recon:E2}, grad W_enc {enc:E2}, grad W_dec {dec:E2} (u = {U:E2})");
        // bf16 must actually have run: identical results would mean the products stayed float32.
        Assert.True(loss > 0 || enc > 0, "bf16 gave bit-identical results: the products did not run in bf16");
        Assert.True(loss <= Tolerance, $"loss differs by {loss:E2} > 4u");
        Assert.True(recon <= Tolerance, $"reconstruction loss differs by {recon:E2} > 4u");
        double gradient = arch is SaeArchitecture.Standard or SaeArchitecture.JumpReLU ? Tolerance : SelectionTolerance;
        Assert.True(enc <= gradient, $"W_enc gradient differs by {enc:E2} > {gradient / U}u");
        Assert.True(dec <= gradient, $"W_dec gradient differs by {dec:E2} > {gradient / U}u");
    }

    [Fact]
    public void Bf16StandardReconstructionMatchesADoubleReference()
    {
        using var scope = NewDisposeScope();
        var (module, x) = Setup(SaeArchitecture.Standard);
        module.Precision = TrainingPrecision.Bf16;
        var w = module.ToWeights(1.0, new SaeInfo());
        var xs = TestTraining.ToArray(x);
        double expected = 0;
        for (int b = 0; b < B; b++)
            expected += ReferenceSae.SqErr(xs, b, ReferenceSae.Decode(w, ReferenceSae.Pre(w, xs, b).Select(v => Math.Max(0, v)).ToArray()));
        expected /= B;
        double actual = module.Forward(x, new SaeLossContext(0, 0.1, long.MaxValue)).ReconstructionLoss.item<float>();
        output.WriteLine($"double {expected:G6}, bf16 {actual:G6}, relative {Math.Abs(actual - expected) / expected:E2}");
        Assert.True(Math.Abs(actual - expected) <= Tolerance * expected, $"bf16 reconstruction loss {actual} vs double {expected}");
    }

    [Theory]
    [InlineData(SaeArchitecture.Standard)]
    [InlineData(SaeArchitecture.TopK)]
    public void Bf16TrainingReducesLoss(SaeArchitecture arch)
    {
        var data = new InMemoryActivationSource(TestTraining.StructuredData(4096, 16, seed: 9), 16);
        var result = SaeTrainer.Train(data, new SaeTrainingOptions
        {
            Architecture = arch, FeatureCount = 64, K = 4, BatchSize = 128, Steps = 120, WarmupSteps = 10, LearningRate = 3e-3,
            L1Coefficient = 0.5, LogEvery = 10, InitSampleRows = 256, Precision = TrainingPrecision.Bf16, TuneAllocator = false,
        });
        output.WriteLine(string.Join(" ", result.Metrics.Select(r => $"[{r.Step}: loss {r.Loss:G3} EV {r.ExplainedVariance:F3}]")));
        Assert.True(result.Metrics[^1].Loss < 0.5 * result.Metrics[0].Loss, $"loss went from {result.Metrics[0].Loss:G4} to {result.Metrics[^1].Loss:G4}");
        Assert.True(result.Metrics[^1].ExplainedVariance > 0.7, $"explained variance {result.Metrics[^1].ExplainedVariance:F3}");
    }

    [Fact]
    public void TheProbeNoticeNamesTheOptionOnlyWhenBf16IsSlower()
    {
        Assert.Null(Bf16ProductProbe.Notice(fp32Seconds: 0.004, bf16Seconds: 0.001, "CPU: avx512_bf16"));
        var notice = Bf16ProductProbe.Notice(fp32Seconds: 0.004, bf16Seconds: 0.012, "the CPU reports no avx512_bf16 or amx_bf16");
        Assert.NotNull(notice);
        Assert.Contains("SaeTrainingOptions.Precision", notice);
        Assert.Contains("3.0x", notice);
    }
}
