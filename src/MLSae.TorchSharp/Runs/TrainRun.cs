using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Training;

namespace MLSae.Runs;

/// <summary>
/// One training run end to end: feature tracking and reordering observers, the trainer, and the
/// run folder's SAE (<see cref="RunFolder.Sae"/>, with frequencies and the permutation log in its
/// metadata). The CLI's `train`, the QuickStart and the experiment runner all go through here.
/// </summary>
public static class TrainRun
{
    /// <summary>Trains on <paramref name="batches"/> into <paramref name="runDirectory"/> (null: in memory only).</summary>
    /// <remarks>
    /// With a run folder: every option is validated before anything is written; the folder is locked
    /// (<see cref="FolderLock"/>) for the whole run, so a second process given it fails at once naming this one;
    /// then <see cref="TrainRunFolder.Prepare"/> refuses to replace a run without <paramref name="overwrite"/>
    /// and refuses a resume with different options.
    /// </remarks>
    /// <param name="batches">Training batches (e.g. <see cref="ActivationStoreBatchSource"/> over a cache).</param>
    /// <param name="config">Training and ordering options.</param>
    /// <param name="runDirectory">Run folder; writes run.json, config.json, metrics.csv, checkpoint, feature history, stability.csv and sae.onnx.</param>
    /// <param name="provenance">Model, hook and token counts to record in the SAE's info.</param>
    /// <param name="resume">Continue from the run folder's checkpoint.</param>
    /// <param name="progress">Progress of the steps.</param>
    /// <param name="cancellation">Stops training without a checkpoint (as a kill would).</param>
    /// <param name="overwrite">Replace a run the folder already holds (its files are deleted first).</param>
    public static TrainingResult Execute(ITrainingBatchSource batches, TrainRunConfig config, string? runDirectory,
        SaeInfo? provenance = null, bool resume = false, IProgress<ProgressInfo>? progress = null, CancellationToken cancellation = default,
        bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(config);
        config.Training.Validate(batches.Dimension);
        config.Ordering.Validate();
        MLSae.Runtime.TrainingDevice.Resolve(config.Training.Device);   // a missing GPU fails before the run folder is touched
        if (runDirectory is null) return Train(batches, config, null, provenance, resume, progress, cancellation);
        using var folderLock = FolderLock.Acquire(runDirectory, resume ? "training (resumed)" : "training");
        TrainRunFolder.Prepare(runDirectory, config, resume, overwrite);
        AtomicFile.WriteAllText(Path.Combine(runDirectory, RunFolder.RunConfig), config.ToJson().ToJsonString(SaeTrainer.JsonOptions));
        return Train(batches, config, runDirectory, provenance, resume, progress, cancellation);
    }

    static TrainingResult Train(ITrainingBatchSource batches, TrainRunConfig config, string? runDirectory,
        SaeInfo? provenance, bool resume, IProgress<ProgressInfo>? progress, CancellationToken cancellation)
    {
        var (tracker, observers) = FeatureOrdering.CreateObservers(config.Ordering);
        try
        {
            var result = SaeTrainer.Train(batches, config.Training, progress, observers, runDirectory, resume, cancellation);
            var weights = result.Weights.WithInfo(tracker.ApplyTo(provenance ?? result.Weights.Info));
            if (runDirectory is not null)
            {
                SaeOnnx.Save(weights, Path.Combine(runDirectory, RunFolder.Sae));
                FeatureStabilityReport.Write(runDirectory);
            }
            return result with { Weights = weights };
        }
        finally
        {
            foreach (var o in observers) (o as IDisposable)?.Dispose();   // the tracker is one of them
        }
    }

    /// <summary>Trains on an activation source through a seeded shuffle buffer (see <see cref="Execute(ITrainingBatchSource, TrainRunConfig, string?, SaeInfo?, bool, IProgress{ProgressInfo}?, CancellationToken, bool)"/>).</summary>
    public static TrainingResult Execute(IActivationSource source, TrainRunConfig config, string? runDirectory,
        SaeInfo? provenance = null, bool resume = false, IProgress<ProgressInfo>? progress = null, CancellationToken cancellation = default,
        bool overwrite = false) =>
        Execute(ActivationStoreBatchSource.Create(source, config.Training.Seed), config, runDirectory, provenance, resume, progress, cancellation, overwrite);

    /// <summary>Reads a run folder's configuration.</summary>
    public static TrainRunConfig LoadConfig(string runDirectory) => TrainRunConfig.Load(Path.Combine(runDirectory, RunFolder.RunConfig));
}
