using System.Diagnostics;
using MLSae.Activations.Cache;

namespace MLSae.Runs.Experiments;

/// <summary>What an experiment job does.</summary>
public enum ExperimentJobKind
{
    /// <summary>Extract the activations (or check the given cache); every other job reads them.</summary>
    Activations,
    /// <summary>Train one run x seed into its run folder and evaluate it.</summary>
    Train,
}

/// <summary>One job of an experiment's plan (<see cref="ExperimentRunner.Plan"/>).</summary>
/// <param name="Index">0 for the activations, 1.. for the run x seed jobs in run-then-seed order.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Run">The run's name (train jobs).</param>
/// <param name="Seed">The seed (train jobs).</param>
/// <param name="Directory">The only folder the job writes: the activation cache, or the run x seed folder.</param>
public sealed record ExperimentJob(int Index, ExperimentJobKind Kind, string? Run, int? Seed, string Directory);

// Fan-out: the same work as Run, as jobs a scheduler (Kubernetes Indexed Job, Slurm array, a shell loop) runs in any
// order, retries and runs side by side; Collect writes the report once they are done.
public sealed partial class ExperimentRunner
{
    /// <summary>
    /// The jobs of this experiment: job 0 extracts the activations (a no-op check when the source is an existing cache),
    /// jobs 1..R·S train and evaluate each run x seed. A train job needs job 0 finished; train jobs are independent of
    /// each other and write only their run folder, so they may run in any order, at once, and again (a finished one is
    /// skipped, an interrupted one resumes from its checkpoint).
    /// </summary>
    public IReadOnlyList<ExperimentJob> Plan()
    {
        var activations = _experiment.Source.Activations is { } given
            ? Path.GetFullPath(Path.Combine(_experiment.BaseDirectory, given))
            : Path.Combine(OutputDirectory, ExperimentActivations.Folder);
        var jobs = new List<ExperimentJob> { new(0, ExperimentJobKind.Activations, null, null, activations) };
        foreach (var run in _experiment.Runs)
            foreach (var seed in _experiment.Seeds)
                jobs.Add(new ExperimentJob(jobs.Count, ExperimentJobKind.Train, run.Name, seed, RunDirectory(run.Name, seed)));
        return jobs;
    }

    /// <summary>
    /// Runs job <paramref name="index"/> of <see cref="Plan"/>. Job 0 extracts the activations and writes experiment.json;
    /// a train job trains and evaluates its run x seed (skipped when finished, resumed when interrupted).
    /// </summary>
    /// <returns>True when the job did work, false when it was already finished.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a job of the plan.</exception>
    /// <exception cref="InvalidOperationException">A train job before job 0 finished.</exception>
    public bool RunJob(int index, IExperimentProgress? progress = null, CancellationToken cancellation = default)
    {
        progress ??= IExperimentProgress.Silent;
        var jobs = Plan();
        if (index < 0 || index >= jobs.Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Job {index} is not in the plan: this experiment has jobs 0..{jobs.Count - 1} (ExperimentRunner.Plan lists them).");
        var job = jobs[index];
        if (job.Kind == ExperimentJobKind.Activations)
        {
            Prepare(writeDescription: true);
            CheckDevices();
            bool done = _experiment.Source.Activations is not null || IsComplete(job.Directory);
            using var _ = ExperimentActivations.Open(_experiment, OutputDirectory, _options.Threads, progress);
            return !done;
        }
        Prepare(writeDescription: false);
        var run = _experiment.FindRun(job.Run!)!;
        TrainingDeviceCheck(run);
        using var cache = OpenExtracted(index);
        var context = new JobContext(this, cache, progress);
        return TrainAndEvaluate(context, run, job.Seed!.Value, progress, cancellation) != JobOutcome.AlreadyDone;
    }

    /// <summary>
    /// Writes plots and report.md from the finished run folders (after every train job of <see cref="Plan"/>), as
    /// <see cref="Run"/> does at its end. Trains nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">Some jobs are not finished (they are listed).</exception>
    public ExperimentSummary Collect(IExperimentProgress? progress = null)
    {
        progress ??= IExperimentProgress.Silent;
        var clock = Stopwatch.StartNew();
        var unfinished = Plan().Where(j => j.Kind == ExperimentJobKind.Train)
            .Where(j => RunFolderState.Inspect(j.Directory, ConfigFor(_experiment.FindRun(j.Run!)!, j.Seed!.Value), _experiment.FindRun(j.Run!)!.Eval) != RunStage.Evaluated)
            .Select(j => j.Index).ToList();
        if (unfinished.Count > 0)
            throw new InvalidOperationException($"Cannot write the report: {unfinished.Count} job(s) are not finished ({string.Join(", ", unfinished)}). " +
                "Run them (ExperimentRunner.RunJob), then collect again.");
        using var cache = OpenExtracted(null);
        var results = _experiment.Runs.Select(run => new RunResults(run,
            _experiment.Seeds.Select(seed => ExperimentResults.ReadSeed(RunDirectory(run.Name, seed), seed)).ToList())).ToList();
        var reportPath = progress.Stage("plots and report", _ => ExperimentReport.Write(_experiment, results, Path.Combine(OutputDirectory, ExperimentReport.Folder), cache));
        return new ExperimentSummary(results, reportPath, 0, results.Sum(r => r.Seeds.Count), clock.Elapsed);
    }

    void TrainingDeviceCheck(ExperimentRun run) => MLSae.Runtime.TrainingDevice.Resolve(_options.Device ?? run.Train.Training.Device);

    static bool IsComplete(string cacheDirectory) =>
        File.Exists(Path.Combine(cacheDirectory, ActivationCacheDefaults.ManifestFileName)) && ActivationCacheManifest.Load(cacheDirectory).Complete;

    // The activations job 0 wrote (never extracts: many jobs at once must not all start the same extraction).
    ActivationCache OpenExtracted(int? job)
    {
        var dir = Plan()[0].Directory;
        if (_experiment.Source.Activations is null)
        {
            if (!IsComplete(dir))
                throw new InvalidOperationException($"{(job is { } j ? $"Job {j}" : "The report")} needs the activations job 0 extracts into '{dir}', and they are " +
                    $"{(File.Exists(Path.Combine(dir, ActivationCacheDefaults.ManifestFileName)) ? "not complete yet" : "not there")}. Run job 0 (the extraction) first.");
            var signature = ExperimentActivations.Signature(_experiment.Source);
            ActivationCacheManifest.Load(dir).Metadata.TryGetValue(ExperimentActivations.SourceKey, out var existing);
            if (existing != signature)
                throw new IOException($"'{dir}' holds activations extracted for another source ({existing ?? "unknown"}); this experiment asks for {signature}. Use a new output folder.");
        }
        return ActivationCache.Open(dir);
    }
}
