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
    /// <summary>The resolved run configuration (training options with an "Ordering" object).</summary>
    public const string ConfigFile = "run.json";

    /// <summary>Trains on <paramref name="batches"/> into <paramref name="runDirectory"/> (null: in memory only).</summary>
    /// <param name="batches">Training batches (e.g. <see cref="ActivationStoreBatchSource"/> over a cache).</param>
    /// <param name="config">Training and ordering options.</param>
    /// <param name="runDirectory">Run folder; writes run.json, config.json, metrics.csv, checkpoint, feature history, stability.csv and sae.onnx.</param>
    /// <param name="provenance">Model, hook and token counts to record in the SAE's info.</param>
    /// <param name="resume">Continue from the run folder's checkpoint.</param>
    /// <param name="progress">Progress of the steps.</param>
    /// <param name="cancellation">Stops training without a checkpoint (as a kill would).</param>
    public static TrainingResult Execute(ITrainingBatchSource batches, TrainRunConfig config, string? runDirectory,
        SaeInfo? provenance = null, bool resume = false, IProgress<ProgressInfo>? progress = null, CancellationToken cancellation = default)
    {
        if (runDirectory is not null)
        {
            Directory.CreateDirectory(runDirectory);
            AtomicFile.WriteAllText(Path.Combine(runDirectory, ConfigFile), config.ToJson().ToJsonString(SaeTrainer.JsonOptions));
        }
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

    /// <summary>Trains on an activation source through a seeded shuffle buffer (see <see cref="Execute(ITrainingBatchSource, TrainRunConfig, string?, SaeInfo?, bool, IProgress{ProgressInfo}?, CancellationToken)"/>).</summary>
    public static TrainingResult Execute(IActivationSource source, TrainRunConfig config, string? runDirectory,
        SaeInfo? provenance = null, bool resume = false, IProgress<ProgressInfo>? progress = null, CancellationToken cancellation = default) =>
        Execute(ActivationStoreBatchSource.Create(source, config.Training.Seed), config, runDirectory, provenance, resume, progress, cancellation);

    /// <summary>Reads a run folder's configuration.</summary>
    public static TrainRunConfig LoadConfig(string runDirectory) => TrainRunConfig.Load(Path.Combine(runDirectory, ConfigFile));
}
