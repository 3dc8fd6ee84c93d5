using MLSae.Runs.Experiments;
using MLSae.Ordering;
using MLSae.Runs;
using MLSae.Training;

namespace MLSae.Tests.Experiments;

public class QuickScaleTests
{
    [Fact]
    public void DividesStepCountsAndTokenCountsRoundingToNearest_KeepingZeroAsOff()
    {
        var config = new TrainRunConfig(
            new SaeTrainingOptions
            {
                Steps = 10_000, WarmupSteps = 3000, SparsityWarmupSteps = 1000, BatchSize = 4096, LogEvery = 100,
                CheckpointEvery = 0, ResampleEverySteps = 0, InitSampleRows = 32_768, DeadFeatureTokens = 10_000_000, Tokens = 0,
            },
            new ReorderOptions { Strategy = ReorderStrategyKind.Periodic, Warmup = 2000, Interval = 500, HistoryInterval = 100, VarianceWindow = 10 });
        var q = new QuickScale { StepFactor = 40, TokenFactor = 16 }.Apply(config);
        var t = q.Training;
        Assert.Equal(250, t.Steps);                 // 10000 / 40
        Assert.Equal(75, t.WarmupSteps);            // 3000 / 40
        Assert.Equal(25, t.SparsityWarmupSteps);    // 1000 / 40
        Assert.Equal(3, t.LogEvery);                // 100 / 40 = 2.5, rounded half up
        Assert.Equal(0, t.CheckpointEvery);         // 0 = "only at the end" stays
        Assert.Equal(0, t.ResampleEverySteps);      // 0 = off stays
        Assert.Equal(256, t.BatchSize);             // 4096 / 16
        Assert.Equal(2048, t.InitSampleRows);       // 32768 / 16
        Assert.Equal(15_625, t.DeadFeatureTokens);  // 10,000,000 / (40 x 16)
        Assert.Equal(0, t.Tokens);
        Assert.Equal(50, q.Ordering.Warmup);        // 2000 / 40
        Assert.Equal(13, q.Ordering.Interval);      // 12.5 -> 13
        Assert.Equal(3, q.Ordering.HistoryInterval);
        Assert.Equal(10, q.Ordering.VarianceWindow);   // a window of steps is not scaled
        Assert.Equal(ReorderStrategyKind.Periodic, q.Ordering.Strategy);

        var tiny = new QuickScale { StepFactor = 40, TokenFactor = 16 }.Apply(config with { Training = config.Training with { Steps = 3, Tokens = 100 } });
        Assert.Equal(1, tiny.Training.Steps);       // never below 1
        Assert.Equal(1, tiny.Training.Tokens);      // 100 / 640 -> at least 1
    }

    [Fact]
    public void ScalesTheWholeExperimentOnce()
    {
        var e = ExperimentFile.Parse("""
            { "name": "x", "source": { "maxTokens": 2000000 }, "quick": { "stepFactor": 10, "tokenFactor": 4 },
              "defaults": { "train": { "Steps": 1000 }, "eval": { "maxTokens": 4000, "prefixRows": 800 } },
              "runs": [ { "name": "a" } ], "plots": { "steps": [100, 1000], "historySteps": [500] } }
            """);
        var q = e.Quick.Apply(e);
        Assert.True(q.IsQuick);
        Assert.Equal(500_000, q.Source.MaxTokens);
        Assert.Equal(100, q.Runs[0].Train.Training.Steps);
        Assert.Equal(1000, q.Runs[0].Eval.MaxTokens);
        Assert.Equal(200, q.Runs[0].Eval.PrefixRows);
        Assert.Equal([10L, 100L], q.Plots.Steps);
        Assert.Equal([50L], q.Plots.HistorySteps);
        Assert.Same(q, q.Quick.Apply(q));           // applying twice does not shrink again
    }
}
