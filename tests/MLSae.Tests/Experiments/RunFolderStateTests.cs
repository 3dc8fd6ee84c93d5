using MLSae.Runs.Experiments;
using MLSae.Persistence;
using MLSae.Runs;
using MLSae.Training;

namespace MLSae.Tests.Experiments;

public class RunFolderStateTests
{
    static readonly TrainRunConfig Config = new(new SaeTrainingOptions { Steps = 60, Seed = 2 }, new MLSae.Ordering.ReorderOptions());

    static void Touch(string dir, string file) => File.WriteAllText(Path.Combine(dir, file), "x");

    [Fact]
    public void StagesFollowTheFilesPresent()
    {
        var dir = RepoPaths.NewTempDir("mlsae-runstate");
        var eval = new ExperimentEvalOptions();
        Assert.Equal(RunStage.NotStarted, RunFolderState.Inspect(dir, Config, eval));
        File.WriteAllText(Path.Combine(dir, RunFolder.RunConfig), Config.ToJson().ToJsonString());
        Assert.Equal(RunStage.NotStarted, RunFolderState.Inspect(dir, Config, eval));    // killed before its first checkpoint
        Touch(dir, RunFolder.Checkpoint);
        Assert.Equal(RunStage.Interrupted, RunFolderState.Inspect(dir, Config, eval));
        Touch(dir, "sae.onnx");
        Assert.Equal(RunStage.Trained, RunFolderState.Inspect(dir, Config, eval));
        Touch(dir, "eval.json");
        Assert.Equal(RunStage.Trained, RunFolderState.Inspect(dir, Config, eval));       // prefix curves still missing
        Assert.Equal(RunStage.Evaluated, RunFolderState.Inspect(dir, Config, eval with { PrefixCurves = false }));
        Touch(dir, "prefix_curves.csv");
        Assert.Equal(RunStage.Evaluated, RunFolderState.Inspect(dir, Config, eval));
    }

    [Fact]
    public void AFolderTrainedWithAnotherConfigIsRefusedNamingTheDifference()
    {
        var dir = RepoPaths.NewTempDir("mlsae-runstate");
        File.WriteAllText(Path.Combine(dir, RunFolder.RunConfig), Config.ToJson().ToJsonString());
        var other = Config with { Training = Config.Training with { Steps = 80 }, Ordering = Config.Ordering with { Interval = 7 } };
        var e = Assert.Throws<InvalidOperationException>(() => RunFolderState.Inspect(dir, other, new ExperimentEvalOptions()));
        Assert.Contains("Steps: 60 in the folder, 80 now", e.Message);
        Assert.Contains(dir, e.Message);
        Assert.Contains("new output folder", e.Message);
    }
}
