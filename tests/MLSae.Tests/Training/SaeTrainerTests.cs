using MLSae.Activations;
using MLSae.Models;
using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Tests.Training;

public class SaeTrainerTests
{
    const int D = 8;

    static InMemoryActivationSource Data(int rows = 512, int seed = 11)
    {
        // Sparse combinations of a few directions plus noise, so an SAE has something to find.
        var r = new Random(seed);
        var dirs = ReferenceSae.Random(16 * D, seed + 1);
        var data = new float[rows * D];
        for (int t = 0; t < rows; t++)
            for (int c = 0; c < 3; c++)
            {
                int k = r.Next(16); double a = r.NextDouble() * 3;
                for (int j = 0; j < D; j++) data[t * D + j] += (float)(a * dirs[k * D + j] + 0.01 * (r.NextDouble() - 0.5));
            }
        return new InMemoryActivationSource(data, D);
    }

    static SaeTrainingOptions Small(SaeArchitecture arch) => new()
    {
        Architecture = arch, FeatureCount = 32, BatchSize = 64, Steps = 12, WarmupSteps = 3, SparsityWarmupSteps = 4,
        LearningRate = 1e-2, LogEvery = 4, CheckpointEvery = 5, K = 4, TargetL0 = arch is SaeArchitecture.Standard or SaeArchitecture.JumpReLU ? 4 : null, InitSampleRows = 128, ThresholdStartStep = 2,
        LearningRateSchedule = LearningRateSchedule.Cosine, LearningRateFloor = 0.1, GradientAccumulation = 2, GradientClipNorm = 5,
        AdaptiveL1 = true, DeadFeatureTokens = 256, ResampleEverySteps = arch == SaeArchitecture.Standard ? 6 : 0,
    };

    [Fact]
    public void StandardKeepsDecoderRowsAtUnitNorm()
    {
        var result = SaeTrainer.Train(Data(), Small(SaeArchitecture.Standard) with { NormalizeActivations = false });
        var w = result.Weights;
        for (int i = 0; i < w.FeatureCount; i++)
        {
            double n = Math.Sqrt(w.DecoderRow(i).ToArray().Sum(v => (double)v * v));
            Assert.True(Math.Abs(n - 1) < 1e-5, $"decoder row {i} has norm {n}");
        }
    }

    sealed class CancelAt(long step, CancellationTokenSource cts) : ITrainingObserver
    {
        public void OnStepEnd(TrainingStepContext context) { if (context.Step == step) cts.Cancel(); }
    }

    sealed class CountingObserver : ICheckpointedObserver
    {
        public double Total;
        public string StateName => "counts";
        public void OnStepEnd(TrainingStepContext c) => Total += c.FireCounts.sum().item<float>();
        public byte[] SaveState() => BitConverter.GetBytes(Total);
        public void LoadState(byte[] state) => Total = BitConverter.ToDouble(state);
    }

    [Theory]
    [InlineData(SaeArchitecture.Standard, TrainingPrecision.Fp32)]
    [InlineData(SaeArchitecture.JumpReLU, TrainingPrecision.Fp32)]
    [InlineData(SaeArchitecture.TopK, TrainingPrecision.Fp32)]
    [InlineData(SaeArchitecture.BatchTopK, TrainingPrecision.Fp32)]
    [InlineData(SaeArchitecture.Matryoshka, TrainingPrecision.Fp32)]
    [InlineData(SaeArchitecture.Standard, TrainingPrecision.Bf16)]
    [InlineData(SaeArchitecture.JumpReLU, TrainingPrecision.Bf16)]
    [InlineData(SaeArchitecture.TopK, TrainingPrecision.Bf16)]
    [InlineData(SaeArchitecture.BatchTopK, TrainingPrecision.Bf16)]
    [InlineData(SaeArchitecture.Matryoshka, TrainingPrecision.Bf16)]
    [InlineData(SaeArchitecture.Ordered, TrainingPrecision.Bf16)]
    public void KilledBetweenCheckpointsAndResumedEndsBitForBitEqual(SaeArchitecture arch, TrainingPrecision precision)
    {
        var o = Small(arch) with { Precision = precision };
        var data = Data();
        var full = new CountingObserver();
        var reference = SaeTrainer.Train(data, o, observers: [full], runDirectory: RepoPaths.NewTempDir());

        var dir = RepoPaths.NewTempDir();
        using var cts = new CancellationTokenSource();
        var first = new CountingObserver();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            SaeTrainer.Train(data, o, observers: [first, new CancelAt(7, cts)], runDirectory: dir, cancellation: cts.Token));   // checkpoint at 5, killed at 7
        var second = new CountingObserver();
        var resumed = SaeTrainer.Train(data, o, observers: [second], runDirectory: dir, resume: true);

        Assert.Equal(reference.Steps, resumed.Steps);
        Assert.Equal(reference.Weights.EncoderWeights, resumed.Weights.EncoderWeights);
        Assert.Equal(reference.Weights.DecoderWeights, resumed.Weights.DecoderWeights);
        Assert.Equal(reference.Weights.EncoderBias, resumed.Weights.EncoderBias);
        Assert.Equal(reference.Weights.DecoderBias, resumed.Weights.DecoderBias);
        Assert.Equal(reference.Weights.Thresholds, resumed.Weights.Thresholds);
        Assert.Equal(full.Total, second.Total);
        Assert.Equal(reference.Metrics.Select(m => m.Step), resumed.Metrics.Select(m => m.Step));
        Assert.True(File.Exists(Path.Combine(dir, "metrics.csv")) && File.Exists(Path.Combine(dir, "config.json")));
    }

    [Fact]
    public void StandardTrainingReducesReconstructionError()
    {
        var o = Small(SaeArchitecture.Standard) with { Steps = 150, L1Coefficient = 0.01, LogEvery = 10, GradientAccumulation = 1, ResampleEverySteps = 0, LearningRateSchedule = LearningRateSchedule.Constant };
        var result = SaeTrainer.Train(Data(), o);
        Assert.True(result.Metrics[^1].ExplainedVariance > 0.8, $"explained variance {result.Metrics[^1].ExplainedVariance}");
        Assert.True(result.Metrics[^1].ExplainedVariance > result.Metrics[0].ExplainedVariance);
    }

    [Fact]
    public void NaNLossStopsWithStepInMessage()
    {
        var data = new InMemoryActivationSource(Enumerable.Repeat(1f, 64 * D).Select((v, i) => i == 70 * 0 + 5 ? float.NaN : v).ToArray(), D);
        var e = Assert.ThrowsAny<Exception>(() => SaeTrainer.Train(data, Small(SaeArchitecture.Standard) with { NormalizeActivations = false, InitSampleRows = 1 }));
        Assert.Contains("step", e.Message);
    }

    [Fact]
    public void LearningRateScheduleWarmsUpThenDecaysToFloor()
    {
        var o = new SaeTrainingOptions { LearningRate = 1.0, WarmupSteps = 10, LearningRateSchedule = LearningRateSchedule.Cosine, LearningRateFloor = 0.1 };
        Assert.Equal(0.5, LearningRates.At(o, 5, 110), 12);
        Assert.Equal(1.0, LearningRates.At(o, 10, 110), 12);
        Assert.Equal(0.1 + 0.9 * 0.5, LearningRates.At(o, 60, 110), 12);
        Assert.Equal(0.1, LearningRates.At(o, 110, 110), 12);
        Assert.Equal(0.55, LearningRates.At(o with { LearningRateSchedule = LearningRateSchedule.Linear }, 60, 110), 12);
    }
}
