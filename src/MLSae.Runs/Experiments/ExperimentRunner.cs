using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Evaluation.Preservation;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Runs;
using MLSae.Runtime;
using MLSae.Training;

namespace MLSae.Runs.Experiments;

/// <summary>Options of <see cref="ExperimentRunner"/>.</summary>
public sealed record ExperimentRunnerOptions
{
    /// <summary>Defaults.</summary>
    public ExperimentRunnerOptions() { }
    /// <summary>CPU threads for TorchSharp and ONNX Runtime (0: their defaults). 1 is much faster on a busy machine.</summary>
    public int Threads { get; init; }
    /// <summary>Write plots and report.md after the runs.</summary>
    public bool Report { get; init; } = true;
    /// <summary>
    /// Training device for every run ("cpu", "cuda", "cuda:N"), overriding the runs' own <see cref="SaeTrainingOptions.Device"/>;
    /// null keeps theirs. Checked before any extraction.
    /// </summary>
    public string? Device { get; init; }
}

/// <summary>What <see cref="ExperimentRunner.Run"/> did.</summary>
/// <param name="Results">Every run with its per-seed results.</param>
/// <param name="ReportPath">report.md (null when not written).</param>
/// <param name="Trained">Run x seed folders trained (fully or resumed) in this invocation.</param>
/// <param name="Skipped">Run x seed folders that were already finished.</param>
/// <param name="Elapsed">Wall time of this invocation.</param>
public sealed record ExperimentSummary(IReadOnlyList<RunResults> Results, string? ReportPath, int Trained, int Skipped, TimeSpan Elapsed);

/// <summary>
/// Runs an experiment into an output folder: activations once (OUT/activations, or the given cache), then every
/// run x seed into OUT/runs/{run}/seed-{s} through <see cref="TrainRun"/> (finished ones skipped, interrupted ones
/// resumed from their checkpoint), each evaluated on the held-out rows (eval.json, prefix_curves.csv), then plots
/// and report.md in OUT/report. Rerunning the same command continues where it stopped.
/// </summary>
public sealed partial class ExperimentRunner
{
    /// <summary>The resolved experiment written to the output folder.</summary>
    public const string ExperimentFileName = "experiment.json";
    /// <summary>Folder of the run folders.</summary>
    public const string RunsFolder = "runs";

    readonly ExperimentDefinition _experiment;
    readonly ExperimentRunnerOptions _options;

    /// <summary>A runner of <paramref name="experiment"/> writing to <paramref name="outputDirectory"/>.</summary>
    public ExperimentRunner(ExperimentDefinition experiment, string outputDirectory, ExperimentRunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        _experiment = experiment;
        OutputDirectory = Path.GetFullPath(outputDirectory);
        _options = options ?? new ExperimentRunnerOptions();
    }

    /// <summary>The output folder (full path).</summary>
    public string OutputDirectory { get; }

    /// <summary>
    /// The texts downstream preservation runs on: the source corpus's last documents (training reads the cache's
    /// first rows and holds out its last ones, so these are never trained on). Null when no run asks for it or the
    /// activations came from an existing cache (no text to run).
    /// </summary>
    RunEvaluation.DownstreamTexts? DownstreamTexts(ActivationCache cache, IExperimentProgress progress)
    {
        if (_experiment.Runs.All(r => r.Eval.DownstreamTokens == 0) || _experiment.Source.Activations is not null) return null;
        try
        {
            var model = DownstreamModels.Resolve(cache.Manifest.Model);
            var documents = ExperimentActivations.Documents(_experiment).TakeLast(ExperimentDefaults.DownstreamDocuments).ToList();
            return new RunEvaluation.DownstreamTexts(model, cache.Manifest.Hook, documents, cache.Manifest.Context > 0 ? cache.Manifest.Context : _experiment.Source.Context);
        }
        catch (ArgumentException e)
        {
            progress.Notice($"downstream preservation skipped: model '{cache.Manifest.Model}' does not resolve here ({e.Message})");
            return null;
        }
    }

    /// <summary>The folder of one run x seed.</summary>
    public string RunDirectory(string run, int seed) => Path.Combine(OutputDirectory, RunsFolder, run, $"seed-{seed}");

    /// <summary>
    /// Runs everything that is not finished yet, then writes plots and the report: the jobs of <see cref="Plan"/> in
    /// order in this process (the activations, then every run x seed), then <see cref="Collect"/>'s report.
    /// </summary>
    public ExperimentSummary Run(IExperimentProgress? progress = null, CancellationToken cancellation = default)
    {
        progress ??= IExperimentProgress.Silent;
        var clock = Stopwatch.StartNew();
        Prepare(writeDescription: true);
        CheckDevices();
        using var cache = ExperimentActivations.Open(_experiment, OutputDirectory, _options.Threads, progress);
        var context = new JobContext(this, cache, progress);
        int trained = 0, skipped = 0;
        var results = new List<RunResults>();
        foreach (var run in _experiment.Runs)
        {
            var seeds = new List<SeedResult>();
            foreach (var seed in _experiment.Seeds)
            {
                cancellation.ThrowIfCancellationRequested();
                var outcome = TrainAndEvaluate(context, run, seed, progress, cancellation);
                if (outcome == JobOutcome.AlreadyDone) skipped++;
                else if (outcome == JobOutcome.Trained) trained++;
                seeds.Add(ExperimentResults.ReadSeed(RunDirectory(run.Name, seed), seed));
            }
            results.Add(new RunResults(run, seeds));
        }

        string? reportPath = null;
        if (_options.Report)
            reportPath = progress.Stage("plots and report", _ => ExperimentReport.Write(_experiment, results, Path.Combine(OutputDirectory, ExperimentReport.Folder), cache));
        return new ExperimentSummary(results, reportPath, trained, skipped, clock.Elapsed);
    }

    /// <summary>The output folder exists (and, for the activations job, holds the resolved experiment); threads are set.</summary>
    void Prepare(bool writeDescription)
    {
        Directory.CreateDirectory(OutputDirectory);
        if (writeDescription)
            AtomicFile.WriteAllText(Path.Combine(OutputDirectory, ExperimentFileName), Describe(_experiment).ToJsonString(SaeTrainer.JsonOptions));
        if (_options.Threads > 0)
        {
            TorchSharpRuntime.EnsureLoaded();
            TorchSharp.torch.set_num_threads(_options.Threads);
        }
    }

    /// <summary>What a run x seed job did.</summary>
    enum JobOutcome { AlreadyDone, Trained, EvaluatedOnly }

    /// <summary>What every run x seed job needs from the activations: held-out rows, provenance, downstream texts.</summary>
    sealed class JobContext(ExperimentRunner runner, ActivationCache cache, IExperimentProgress progress)
    {
        public ActivationCache Cache { get; } = cache;
        public IActivationSource HeldOut { get; } = new ActivationStore(cache, new ActivationStoreOptions { HeldOutFraction = runner._experiment.Source.HeldOutFraction }).HeldOut;
        public SaeInfo Provenance { get; } = new() { ModelName = cache.Manifest.Model, HookName = cache.Manifest.Hook };
        public RunEvaluation.DownstreamTexts? Downstream { get; } = runner.DownstreamTexts(cache, progress);
        public string HeldOutText => $"{Cache.Directory} (held-out rows {Cache.RowCount - HeldOut.RowCount:N0}..{Cache.RowCount:N0})";
    }

    /// <summary>One run x seed: trained (or resumed) into its own folder and evaluated, unless it already is. Writes only that folder.</summary>
    JobOutcome TrainAndEvaluate(JobContext context, ExperimentRun run, int seed, IExperimentProgress progress, CancellationToken cancellation)
    {
        var dir = RunDirectory(run.Name, seed);
        int index = _experiment.Runs.ToList().IndexOf(run) * _experiment.Seeds.Count + _experiment.Seeds.ToList().IndexOf(seed) + 1;
        var label = $"{run.Name} seed {seed} ({index}/{_experiment.Runs.Count * _experiment.Seeds.Count})";
        var config = ConfigFor(run, seed);
        var stage = RunFolderState.Inspect(dir, config, run.Eval);
        if (stage == RunStage.Evaluated) return JobOutcome.AlreadyDone;
        var timing = new Stopwatch();
        bool trains = stage is RunStage.NotStarted or RunStage.Interrupted;
        if (trains)
        {
            if (stage == RunStage.Interrupted) progress.Notice($"{label}: resuming from its checkpoint");
            timing.Start();
            var batches = ActivationStoreBatchSource.Create(context.Cache, seed, _experiment.Source.HeldOutFraction);
            try
            {
                progress.Stage($"train {label}", p => TrainRun.Execute(batches, config, dir, context.Provenance,
                    resume: stage == RunStage.Interrupted, p, cancellation));
            }
            catch (Exception e) when (e is ArgumentException or TrainingDivergedException or InvalidDataException)
            {
                throw new InvalidOperationException($"Run '{run.Name}' seed {seed} ({dir}): {e.Message}", e);
            }
            timing.Stop();
        }
        double trainSeconds = timing.Elapsed.TotalSeconds;
        timing.Restart();
        progress.Stage($"eval {label}", p => RunEvaluation.Evaluate(dir, context.HeldOut, run.Eval, context.HeldOutText, p, context.Downstream));
        WriteTiming(dir, trainSeconds, timing.Elapsed.TotalSeconds);
        return trains ? JobOutcome.Trained : JobOutcome.EvaluatedOnly;
    }

    /// <summary>The training config of one run x seed, on <see cref="ExperimentRunnerOptions.Device"/> when given.</summary>
    TrainRunConfig ConfigFor(ExperimentRun run, int seed)
    {
        var config = run.ForSeed(seed);
        return _options.Device is { } device ? config with { Training = config.Training with { Device = device } } : config;
    }

    /// <summary>Every run's device is parsed and, for CUDA, found before any extraction or training starts.</summary>
    void CheckDevices()
    {
        foreach (var device in _experiment.Runs.Select(r => _options.Device ?? r.Train.Training.Device).Distinct(StringComparer.Ordinal))
            TrainingDevice.Resolve(device);
    }

    static void WriteTiming(string dir, double trainSeconds, double evalSeconds)
    {
        var path = Path.Combine(dir, RunFolder.ExperimentTiming);
        // A run resumed after an interruption adds to the time already spent.
        double previousTrain = 0;
        if (File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject old)
            previousTrain = old["train_seconds"]?.GetValue<double>() ?? 0;
        var json = new JsonObject { ["train_seconds"] = previousTrain + trainSeconds, ["eval_seconds"] = evalSeconds };
        AtomicFile.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>The resolved experiment as JSON (every run's full training config), for the record.</summary>
    public static JsonObject Describe(ExperimentDefinition e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var runs = new JsonArray();
        foreach (var r in e.Runs)
            runs.Add(new JsonObject
            {
                ["name"] = r.Name,
                ["description"] = r.Description,
                ["control"] = r.Control,
                ["train"] = r.Train.ToJson(),
                ["eval"] = new JsonObject
                {
                    ["maxTokens"] = r.Eval.MaxTokens, ["batchSize"] = r.Eval.BatchSize,
                    ["prefixCurves"] = r.Eval.PrefixCurves, ["prefixRows"] = r.Eval.PrefixRows,
                },
            });
        var s = e.Source;
        return new JsonObject
        {
            ["name"] = e.Name,
            ["description"] = e.Description,
            ["quick"] = e.IsQuick ? new JsonObject { ["stepFactor"] = e.Quick.StepFactor, ["tokenFactor"] = e.Quick.TokenFactor } : null,
            ["source"] = new JsonObject
            {
                ["activations"] = s.Activations, ["model"] = s.Model, ["hook"] = s.Hook, ["text"] = s.Text, ["textField"] = s.TextField,
                ["maxTokens"] = s.MaxTokens, ["context"] = s.Context, ["heldOutFraction"] = s.HeldOutFraction,
            },
            ["seeds"] = new JsonArray(e.Seeds.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
            ["runs"] = runs,
            ["plots"] = new JsonObject
            {
                ["steps"] = new JsonArray(e.Plots.Steps.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
                ["historySteps"] = new JsonArray(e.Plots.HistorySteps.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
                ["runs"] = new JsonArray(e.Plots.Runs.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()),
            },
            ["createdUtc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
    }
}
