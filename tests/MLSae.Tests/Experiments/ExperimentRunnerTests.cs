using System.Text.Json;
using MLSae.Activations.Cache;
using MLSae.Runs.Experiments;
using MLSae.Diagnostics;
using MLSae.Persistence;
using MLSae.Scoring;

namespace MLSae.Tests.Experiments;

public class ExperimentRunnerTests
{
    /// <summary>Records notices and stage titles; cancels when a matching training stage has trained <see cref="CancelAtTokens"/> tokens.</summary>
    sealed class RecordingProgress(string? cancelStage = null, long cancelAtTokens = 0, CancellationTokenSource? cts = null) : IExperimentProgress
    {
        public List<string> Notices { get; } = [];
        public List<string> Stages { get; } = [];
        public long CancelAtTokens => cancelAtTokens;

        public T Stage<T>(string title, Func<IProgress<ProgressInfo>?, T> work)
        {
            Stages.Add(title);
            if (cancelStage is null || !title.StartsWith(cancelStage, StringComparison.Ordinal)) return work(null);
            return work(new Sync(p => { if (p.Done >= cancelAtTokens) cts!.Cancel(); }));
        }

        public void Notice(string message) => Notices.Add(message);

        sealed class Sync(Action<ProgressInfo> a) : IProgress<ProgressInfo> { public void Report(ProgressInfo value) => a(value); }
    }

    static float[] Weights(string runDir)
    {
        var w = SaeLoader.Load(runDir);
        return [.. w.EncoderWeights, .. w.DecoderWeights, .. w.EncoderBias, .. w.DecoderBias];
    }

    [Fact]
    public void FinishedRunsAreSkipped_InterruptedOnesResumeToTheSameResult_AndAChangedConfigIsRefused()
    {
        var cache = ExperimentTestData.WriteCache(1500, d: 8);
        var experiment = ExperimentTestData.Experiment(cache, steps: 60, seeds: "[1]");
        var options = new ExperimentRunnerOptions { Report = false };

        // Reference: everything in one go.
        var reference = new ExperimentRunner(experiment, RepoPaths.NewTempDir("mlsae-exp-ref"), options);
        var refSummary = reference.Run();
        Assert.Equal((3, 0), (refSummary.Trained, refSummary.Skipped));
        Assert.Null(refSummary.ReportPath);                                              // Report = false: no plots, no report.md
        Assert.False(Directory.Exists(Path.Combine(reference.OutputDirectory, ExperimentReport.Folder)));

        // Interrupted in the middle of "periodic" (after its step-20 checkpoint, before the step-40 one).
        var outDir = RepoPaths.NewTempDir("mlsae-exp-resume");
        var runner = new ExperimentRunner(experiment, outDir, options);
        using var cts = new CancellationTokenSource();
        var interrupting = new RecordingProgress("train periodic seed 1", cancelAtTokens: 30 * 64, cts);
        Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(interrupting, cts.Token));
        var periodicDir = runner.RunDirectory("periodic", 1);
        Assert.True(File.Exists(Path.Combine(runner.RunDirectory("control", 1), RunFolder.Eval)));
        Assert.False(File.Exists(Path.Combine(periodicDir, RunFolder.Sae)));
        Assert.Equal(RunStage.Interrupted, RunFolderState.Inspect(periodicDir, experiment.Runs[1].ForSeed(1), experiment.Runs[1].Eval));
        var controlEvalTime = File.GetLastWriteTimeUtc(Path.Combine(runner.RunDirectory("control", 1), RunFolder.Eval));

        // Rerun: the control is skipped, periodic resumes from its checkpoint, the naive run trains.
        var again = new RecordingProgress();
        var summary = runner.Run(again);
        Assert.Equal((2, 1), (summary.Trained, summary.Skipped));
        Assert.Contains(again.Notices, n => n.Contains("periodic seed 1", StringComparison.Ordinal) && n.Contains("resuming", StringComparison.Ordinal));
        Assert.DoesNotContain(again.Stages, s => s.StartsWith("train control", StringComparison.Ordinal));
        Assert.Equal(controlEvalTime, File.GetLastWriteTimeUtc(Path.Combine(runner.RunDirectory("control", 1), RunFolder.Eval)));
        foreach (var run in new[] { "control", "periodic", "periodic-naive" })
            Assert.Equal(Weights(reference.RunDirectory(run, 1)), Weights(runner.RunDirectory(run, 1)));   // resume is bit-for-bit
        Assert.Equal(refSummary.Results[1].Seeds[0].Metrics["l0"], summary.Results[1].Seeds[0].Metrics["l0"]);

        // A third run does nothing.
        var third = runner.Run(new RecordingProgress());
        Assert.Equal((0, 3), (third.Trained, third.Skipped));

        // The same folder with another config is refused, naming the run folder and the field.
        var longer = ExperimentTestData.Experiment(cache, steps: 80, seeds: "[1]");
        var e = Assert.Throws<InvalidOperationException>(() => new ExperimentRunner(longer, outDir, options).Run());
        Assert.Contains("Steps: 60 in the folder, 80 now", e.Message);
    }

    [Fact]
    public void ActivationsExtractedForAnotherSourceAreRefused_AndMatchingOnesReused()
    {
        var outDir = RepoPaths.NewTempDir("mlsae-exp-acts");
        var experiment = ExperimentFile.Parse("""{ "name": "x", "source": { "text": "corpus.txt", "maxTokens": 500 }, "runs": [ { "name": "a" } ] }""", "x.json", outDir);
        var folder = Path.Combine(outDir, ExperimentActivations.Folder);

        ExperimentTestData.WriteCache(200, 4, dir: folder,
            metadata: new Dictionary<string, string> { [ExperimentActivations.SourceKey] = ExperimentActivations.Signature(experiment.Source) });
        using (var cache = ExperimentActivations.Open(experiment, outDir))   // no model or text needed: the cache is reused
            Assert.Equal(200, cache.RowCount);

        var other = experiment with { Source = experiment.Source with { MaxTokens = 900 } };
        var e = Assert.Throws<IOException>(() => ExperimentActivations.Open(other, outDir));
        Assert.Contains("another source", e.Message);
        Assert.Contains("\"maxTokens\":900", e.Message);
    }

    [Fact]
    public void CommandReportsABadExperimentFileAsOneError()
    {
        var dir = RepoPaths.NewTempDir("mlsae-exp-cli");
        var file = Path.Combine(dir, "bad.json");
        File.WriteAllText(file, """{ "name": "x", "runs": [ { "name": "a", "train": { "Stepz": 1 } } ] }""");
        var root = new System.CommandLine.RootCommand { MLSae.Cli.Commands.ExperimentCommand.Create() };
        var output = new StringWriter();
        var previous = Spectre.Console.AnsiConsole.Console;
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(output) });
        console.Profile.Width = 1000;   // no wrapping inside the message
        Spectre.Console.AnsiConsole.Console = console;
        var previousError = Console.Error;
        Console.SetError(output);   // errors go to standard error (issue 16)
        try
        {
            int code = root.Parse(["experiment", "--config", file, "--out", Path.Combine(dir, "out")]).Invoke();
            Assert.Equal(1, code);
        }
        finally
        {
            Spectre.Console.AnsiConsole.Console = previous;
            Console.SetError(previousError);
        }
        var text = output.ToString();
        Assert.Contains("runs[0] \"a\".train.Stepz", text);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));   // nothing written before the file is valid
    }
}
