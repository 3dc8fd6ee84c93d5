using MLSae.Activations;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Runs;
using MLSae.Tests.Ordering;
using MLSae.Training;
using Xunit.Abstractions;

namespace MLSae.Tests.Training;

public class TargetL0ControllerTests(ITestOutputHelper output)
{
    const int D = 16, M = 64;
    static readonly Lazy<float[]> s_data = new(() => TestTraining.StructuredData(4096, D, seed: 5));

    static SaeTrainingOptions Standard(double target, long steps) => new()
    {
        Architecture = SaeArchitecture.Standard, FeatureCount = M, TargetL0 = target, L1Coefficient = 0.1, BatchSize = 64, Steps = steps,
        LearningRate = 3e-3, WarmupSteps = 20, LogEvery = 1, CheckpointEvery = 0, InitSampleRows = 512, Seed = 7, TuneAllocator = false,
    };

    [Fact]
    public void UpdateIsIntegralControlInLogSpaceOnTheL0MovingAverage()
    {
        // Hand-worked reference: decay 0.9, gain 0.01 x lr fraction, step clamped to +-0.01, moving average seeded by the first L0.
        var c = TargetL0Controller.For(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, TargetL0 = 10, L1Coefficient = 0.05 })!;
        Assert.Equal(0.05, c.Coefficient, 12);
        double[] l0 = [40, 20, 10, 5, 0, 3000, 10];
        double[] lr = [0.1, 0.5, 1, 1, 1, 1, 0.25];
        double logC = Math.Log(0.05), avg = -1;
        for (int s = 0; s < l0.Length; s++)
        {
            c.Update(l0[s], lr[s]);
            avg = avg < 0 ? l0[s] : 0.9 * avg + 0.1 * l0[s];
            double step = 0.01 * lr[s] * Math.Log(Math.Max(avg, 1e-3) / 10);
            logC += Math.Max(-0.01, Math.Min(0.01, step));
            Assert.Equal(avg, c.L0Average, 12);
            Assert.Equal(logC, c.LogCoefficient, 12);
        }
        // Above target the coefficient rose, below it fell.
        var up = TargetL0Controller.For(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, TargetL0 = 10, L1Coefficient = 1 })!;
        up.Update(20, 1);
        Assert.True(up.Coefficient > 1);
        var down = TargetL0Controller.For(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, TargetL0 = 10, L1Coefficient = 1 })!;
        down.Update(5, 1);
        Assert.True(down.Coefficient < 1);
    }

    [Fact]
    public void OnlyStandardSaesWithATargetGetAController()
    {
        Assert.Null(TargetL0Controller.For(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard }));
        Assert.Null(TargetL0Controller.For(new SaeTrainingOptions { Architecture = SaeArchitecture.JumpReLU, TargetL0 = 20 }));
        Assert.NotNull(TargetL0Controller.For(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, L1Weighting = L1Weighting.DecoderNorm, TargetL0 = 20 }));
    }

    [Theory]
    [InlineData(SaeArchitecture.Standard, 0.0, "positive")]
    [InlineData(SaeArchitecture.Standard, -3.0, "positive")]
    [InlineData(SaeArchitecture.Standard, double.NaN, "positive")]
    [InlineData(SaeArchitecture.Standard, 65.0, "at most m")]
    [InlineData(SaeArchitecture.JumpReLU, 65.0, "at most m")]
    [InlineData(SaeArchitecture.TopK, 8.0, "SaeTrainingOptions.K")]
    [InlineData(SaeArchitecture.BatchTopK, 8.0, "SaeTrainingOptions.K")]
    [InlineData(SaeArchitecture.Matryoshka, 8.0, "SaeTrainingOptions.K")]
    public void BadTargetsAreNamedErrors(SaeArchitecture arch, double target, string hint)
    {
        var o = Standard(target, 2) with { Architecture = arch };
        var e = Assert.Throws<ArgumentException>(() => SaeTrainer.Train(new InMemoryActivationSource(s_data.Value, D), o));
        Assert.Contains("SaeTrainingOptions.TargetL0", e.Message, StringComparison.Ordinal);
        Assert.Contains(hint, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(L1Weighting.None)]
    [InlineData(L1Weighting.DecoderNorm)]
    public void L0SettlesWithinTenPercentOfTheTarget(L1Weighting weighting)
    {
        const double target = 8;
        var result = SaeTrainer.Train(new InMemoryActivationSource(s_data.Value, D), Standard(target, 1000) with { L1Weighting = weighting });
        var rows = result.Metrics;
        double last = rows.Skip(rows.Count - 200).Average(r => r.L0);
        double coefStart = rows[0].SparsityCoefficient, coefEnd = rows[^1].SparsityCoefficient;
        output.WriteLine($"{weighting}: L0 at steps 1, 100, 300, 600, 1000: {rows[0].L0:F1}, {rows[99].L0:F1}, {rows[299].L0:F1}, {rows[599].L0:F1}, {rows[^1].L0:F1}; " +
            $"mean of the last 200 steps {last:F2} (target {target}); coefficient {coefStart:G3} -> {coefEnd:G3}; EV {rows[^1].ExplainedVariance:F3}");
        Assert.True(rows[0].L0 > 2 * target, $"the start must be far from the target for the test to mean anything (L0 {rows[0].L0})");
        Assert.True(Math.Abs(last - target) <= 0.1 * target, $"L0 settled at {last:F2}, not within 10% of {target}");
    }

    [Fact]
    public void ExactReorderingLeavesTheControlledRunUnchangedUpToThePermutation()
    {
        // The controller reads only L0, a sum over features, so exact reordering stays a symmetry.
        var o = Standard(8, 150);
        var none = TrainRun.Execute(new InMemoryActivationSource(s_data.Value, D), new TrainRunConfig(o, new ReorderOptions { Strategy = ReorderStrategyKind.None }), RepoPaths.NewTempDir());
        var reordered = TrainRun.Execute(new InMemoryActivationSource(s_data.Value, D), new TrainRunConfig(o,
            new ReorderOptions { Strategy = ReorderStrategyKind.Periodic, Warmup = 30, Interval = 30, StateMode = ReorderStateMode.Exact, HistoryInterval = 0 }), RepoPaths.NewTempDir());
        var orig = reordered.Weights.Info.OriginalIndices ?? throw new Xunit.Sdk.XunitException("no permutation log");
        Assert.False(FeatureOrder.IsIdentity(orig), "the reorders composed to the identity, so the comparison proves nothing");

        double maxCoef = 0, maxL0 = 0;
        for (int s = 0; s < none.Metrics.Count; s++)
        {
            maxCoef = Math.Max(maxCoef, Math.Abs(reordered.Metrics[s].SparsityCoefficient / none.Metrics[s].SparsityCoefficient - 1));
            maxL0 = Math.Max(maxL0, Math.Abs(reordered.Metrics[s].L0 - none.Metrics[s].L0));
        }
        double wEnc = TestTraining.RelativeDifference(TestTraining.Unpermute(reordered.Weights.EncoderWeights, orig, D), none.Weights.EncoderWeights);
        double wDec = TestTraining.RelativeDifference(TestTraining.Unpermute(reordered.Weights.DecoderWeights, orig, D), none.Weights.DecoderWeights);
        double bEnc = TestTraining.RelativeDifference(TestTraining.Unpermute(reordered.Weights.EncoderBias, orig, 1), none.Weights.EncoderBias);
        output.WriteLine($"reorders {reordered.Weights.Info.Permutations.Count}; max rel coefficient diff {maxCoef:E2}, max L0 diff {maxL0:E2}; rel diff W_enc {wEnc:E2} W_dec {wDec:E2} b_enc {bEnc:E2}");
        // float32: a reorder changes summation order, so allow drift of the size the exact-reorder tests allow.
        Assert.True(maxCoef <= 1e-4, $"coefficients differ by {maxCoef:E2}");
        Assert.True(wEnc <= 1e-3 && wDec <= 1e-3 && bEnc <= 1e-3, $"weights differ: W_enc {wEnc:E2} W_dec {wDec:E2} b_enc {bEnc:E2}");
    }
}
