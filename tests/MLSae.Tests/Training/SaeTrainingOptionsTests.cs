using System.Text.Json;
using MLSae.Models;
using MLSae.Training;

namespace MLSae.Tests.Training;

public class SaeTrainingOptionsTests
{
    [Fact]
    public void PartialJsonKeepsDefaultsForMissingOptions()
    {
        var o = JsonSerializer.Deserialize<SaeTrainingOptions>("""{ "Architecture": "TopK", "K": 64 }""", SaeTrainer.JsonOptions)!;
        Assert.Equal(SaeArchitecture.TopK, o.Architecture);
        Assert.Equal(64, o.K);
        Assert.Equal(SaeTrainingDefaults.LearningRate, o.LearningRate);
        Assert.Equal(SaeTrainingDefaults.BatchSize, o.BatchSize);
        Assert.True(o.NormalizeActivations);
    }

    [Fact]
    public void RoundTripsThroughJson()
    {
        var o = new SaeTrainingOptions { Architecture = SaeArchitecture.JumpReLU, TargetL0 = 12, LearningRateSchedule = LearningRateSchedule.Cosine, Tokens = 1_000_000 };
        var back = JsonSerializer.Deserialize<SaeTrainingOptions>(JsonSerializer.Serialize(o, SaeTrainer.JsonOptions), SaeTrainer.JsonOptions)!;
        Assert.Equal(o, back);
        Assert.Equal((1_000_000 + 1023) / 1024, back.ResolveSteps());   // the default batch of 1,024 tokens
    }

    [Fact]
    public void PrecisionIsReadFromJsonAndAnUnknownOneIsRejectedByName()
    {
        var o = JsonSerializer.Deserialize<SaeTrainingOptions>("""{ "Precision": "Bf16" }""", SaeTrainer.JsonOptions)!;
        Assert.Equal(TrainingPrecision.Bf16, o.Precision);
        Assert.Equal(TrainingPrecision.Fp32, new SaeTrainingOptions().Precision);
        var e = Assert.Throws<ArgumentException>(() => (new SaeTrainingOptions() with { Precision = (TrainingPrecision)7 }).Validate(16));
        Assert.Contains("SaeTrainingOptions.Precision", e.Message);
    }
}
