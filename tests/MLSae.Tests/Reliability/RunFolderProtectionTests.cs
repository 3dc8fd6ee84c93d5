using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Persistence;
using MLSae.Runs;
using MLSae.Training;
using static MLSae.Tests.Reliability.ReliabilityData;

namespace MLSae.Tests.Reliability;

/// <summary>The three ways a finished run or cache was lost (issue 16), held at the library level.</summary>
public class RunFolderProtectionTests
{
    static InMemoryActivationSource Source() => new(Rows(400), D);

    [Fact]
    public void FreshTrainingOverAFinishedRun_IsRefused_AndLeavesEveryFileAsItWas()
    {
        var dir = FinishedRun();
        var before = Snapshot(dir);
        Assert.Contains(RunFolder.Sae, before.Keys);
        var e = Assert.Throws<IOException>(() => TrainRun.Execute(Source(), Config() with { Training = Config().Training with { Seed = 7 } }, dir));
        Assert.Contains("already holds a training run", e.Message);
        Assert.Contains("overwrite: true", e.Message);   // the library names the argument; the CLI says --overwrite
        AssertUnchanged(before, dir);
    }

    [Fact]
    public void Overwrite_ReplacesTheRun_AndDeletesTheOldRunsFilesButNothingElse()
    {
        var dir = FinishedRun();
        File.WriteAllText(Path.Combine(dir, FeatureStabilityName), "old stability");
        File.WriteAllText(Path.Combine(dir, RunFolder.Eval), "{}");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        var oldSae = File.ReadAllBytes(Path.Combine(dir, RunFolder.Sae));

        TrainRun.Execute(Source(), Config() with { Training = Config().Training with { Seed = 7 } }, dir, overwrite: true);
        Assert.False(File.Exists(Path.Combine(dir, RunFolder.Eval)), "the old run's eval.json must not sit beside the new model");
        Assert.False(File.Exists(Path.Combine(dir, FeatureStabilityName)) && File.ReadAllText(Path.Combine(dir, FeatureStabilityName)) == "old stability");
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "notes.txt")));
        Assert.False(oldSae.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, RunFolder.Sae))), "seed 7 trains a different SAE");
        Assert.Equal(7, TrainRun.LoadConfig(dir).Training.Seed);
    }

    const string FeatureStabilityName = "stability.csv";

    [Theory]
    [InlineData("K", "SaeTrainingOptions.K")]                  // k 1000 > m 16
    [InlineData("L1", "SaeTrainingOptions.L1Coefficient")]
    [InlineData("LR", "SaeTrainingOptions.LearningRate")]
    [InlineData("Tokens", "SaeTrainingOptions.Tokens")]
    [InlineData("FeatureCount", "SaeTrainingOptions.FeatureCount")]
    public void RejectedOptions_DoNotRewriteAFinishedRunsRunJsonOrConfigJson(string bad, string named)
    {
        var dir = FinishedRun();
        var before = Snapshot(dir);
        var t = Config().Training;
        t = bad switch
        {
            "K" => t with { Architecture = Models.SaeArchitecture.TopK, K = 1000 },
            "L1" => t with { L1Coefficient = -1 },
            "LR" => t with { LearningRate = double.NaN },
            "Tokens" => t with { Tokens = -1 },
            _ => t with { FeatureCount = -1 },
        };
        foreach (bool overwrite in new[] { false, true })
        {
            var e = Assert.Throws<ArgumentException>(() => TrainRun.Execute(Source(), Config(t), dir, overwrite: overwrite));
            Assert.Contains(named, e.Message);
            AssertUnchanged(before, dir);
        }
        var r = Assert.Throws<ArgumentException>(() => TrainRun.Execute(Source(), Config(t), dir, resume: true));
        Assert.Contains(named, r.Message);
        AssertUnchanged(before, dir);
    }

    [Fact]
    public void ResumeWithOtherOptions_IsRefusedListingEveryDifference_WhileLogAndCheckpointIntervalsMayChange()
    {
        var dir = RepoPaths.NewTempDir("mlsae-run");
        var cts = new CancellationTokenSource();
        var config = Config(Config().Training with { Architecture = Models.SaeArchitecture.TopK, K = 4 });
        // Killed after the step-2 checkpoint (as a kill -9 would: no final checkpoint).
        Assert.ThrowsAny<OperationCanceledException>(() => TrainRun.Execute(Source(), config, dir,
            progress: new Progress(p => { if (p.Done >= 3 * 32) cts.Cancel(); }), cancellation: cts.Token));
        var before = Snapshot(dir);

        var changed = config with { Training = config.Training with { K = 2, LearningRate = 1e-3 } };
        var e = Assert.Throws<ArgumentException>(() => TrainRun.Execute(Source(), changed, dir, resume: true));
        Assert.Contains("K: 4 in the run, 2 now", e.Message);
        Assert.Contains("LearningRate: 0.0003 in the run, 0.001 now", e.Message);
        AssertUnchanged(before, dir);

        var allowed = config with { Training = config.Training with { LogEvery = 2, CheckpointEvery = 3 } };
        var resumed = TrainRun.Execute(Source(), allowed, dir, resume: true);
        Assert.Equal(4, resumed.Steps);
    }

    [Fact]
    public void Resume_DeletesTheCheckpointTempFileAKilledWriteLeft()
    {
        var dir = RepoPaths.NewTempDir("mlsae-run");
        var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => TrainRun.Execute(Source(), Config(), dir,
            progress: new Progress(p => { if (p.Done >= 3 * 32) cts.Cancel(); }), cancellation: cts.Token));
        // What AtomicFile leaves when the process dies mid-write: ".{name}.{pid}.{guid}.tmp".
        var stale = Path.Combine(dir, $".checkpoint.safetensors.999999.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(stale, new byte[1000]);
        var user = Path.Combine(dir, ".mine.tmp");
        File.WriteAllText(user, "not ours");
        TrainRun.Execute(Source(), Config(), dir, resume: true);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(user), "only temp files of run files are removed");
    }

    [Fact]
    public void ResumeWithoutACheckpoint_IsRefusedBeforeAnythingIsWritten()
    {
        var dir = RepoPaths.NewTempDir("mlsae-run");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "x");
        var before = Snapshot(dir);
        var e = Assert.Throws<FileNotFoundException>(() => TrainRun.Execute(Source(), Config(), dir, resume: true));
        Assert.Contains("no checkpoint", e.Message);
        AssertUnchanged(before, dir);
    }

    [Fact]
    public void ARunFolderLockedByAnotherWriter_IsRefusedAtOnce_NamingTheHolder()
    {
        var dir = RepoPaths.NewTempDir("mlsae-run");
        using (FolderLock.Acquire(dir, "test holder"))
        {
            var e = Assert.Throws<IOException>(() => TrainRun.Execute(Source(), Config(), dir));
            Assert.Contains($"pid {Environment.ProcessId} on {Environment.MachineName}, test holder", e.Message);
            Assert.False(File.Exists(Path.Combine(dir, RunFolder.RunConfig)), "nothing may be written while another process holds the folder");
        }
        TrainRun.Execute(Source(), Config(), dir);   // released: the folder is usable again
        Assert.True(File.Exists(Path.Combine(dir, RunFolder.Sae)));
    }

    [Fact]
    public void ASecondCacheWriterOfTheSameFolder_FailsAtOnceNamingTheFirst()
    {
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        var options = new ActivationCacheWriterOptions { Model = "m", Hook = "h", Dimension = D, RowsPerShard = 100, Context = 16 };
        using (var first = ActivationCacheWriter.Create(dir, options))
        {
            var e = Assert.Throws<IOException>(() => ActivationCacheWriter.Create(dir, options with { Overwrite = true }));
            Assert.Contains($"pid {Environment.ProcessId}", e.Message);
            Assert.Contains("writing an activation cache", e.Message);
        }
        using (var again = ActivationCacheWriter.Create(dir, options with { Overwrite = true })) { }   // released on dispose
    }

    [Fact]
    public void ADivergenceBeforeTheFirstCheckpoint_DoesNotClaimACheckpoint()
    {
        var dir = RepoPaths.NewTempDir("mlsae-run");
        // A learning rate of 1e30 blows the weights up at the first step; checkpoints only at the end, so none exists yet.
        var config = Config(Config().Training with { LearningRate = 1e30, WarmupSteps = 0, CheckpointEvery = 0, NormalizeActivations = false, Steps = 6 });
        var e = Assert.Throws<TrainingDivergedException>(() => TrainRun.Execute(Source(), config, dir));
        Assert.Contains("no checkpoint was written yet", e.Message);
        Assert.DoesNotContain("is kept", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.safetensors")));
    }

    sealed class Progress(Action<Diagnostics.ProgressInfo> report) : IProgress<Diagnostics.ProgressInfo>
    {
        public void Report(Diagnostics.ProgressInfo value) => report(value);
    }
}
