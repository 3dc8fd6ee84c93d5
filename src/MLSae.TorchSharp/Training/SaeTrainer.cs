using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Training;

/// <summary>
/// Trains an SAE with TorchSharp: Adam, LR and sparsity warm-up, gradient accumulation and clipping,
/// adaptive L1, activation normalisation, metrics, atomic checkpoints and bit-for-bit resume.
/// </summary>
public static class SaeTrainer
{
    /// <summary>JSON options used for config files (enums as strings).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>Trains on <paramref name="source"/> read through a seeded shuffle buffer (<see cref="ActivationStoreBatchSource"/>).</summary>
    public static TrainingResult Train(IActivationSource source, SaeTrainingOptions options, IProgress<ProgressInfo>? progress = null,
        IReadOnlyList<ITrainingObserver>? observers = null, string? runDirectory = null, bool resume = false, CancellationToken cancellation = default) =>
        Train(ActivationStoreBatchSource.Create(source, options.Seed), options, progress, observers, runDirectory, resume, cancellation);

    /// <summary>
    /// Trains on batches from <paramref name="batches"/>. With a run directory, writes config.json, metrics.csv and
    /// checkpoint.safetensors; <paramref name="resume"/> continues from the checkpoint there. Cancellation stops at once
    /// without a checkpoint (like a kill): the last periodic checkpoint remains.
    /// </summary>
    public static TrainingResult Train(ITrainingBatchSource batches, SaeTrainingOptions options, IProgress<ProgressInfo>? progress = null,
        IReadOnlyList<ITrainingObserver>? observers = null, string? runDirectory = null, bool resume = false, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        options.Validate(batches.Dimension);   // everything checked before config.json is written
        TorchSharpRuntime.EnsureLoaded();
        TrainingDevice.Resolve(options.Device);   // a missing GPU fails here, before config.json
        if (options.TuneAllocator) GlibcAllocator.Tune(4L * options.BatchSize * options.ResolveFeatureCount(batches.Dimension));
        if (options.Precision == TrainingPrecision.Bf16) Bf16ProductProbe.CheckBeforeTraining(batches.Dimension, options.ResolveFeatureCount(batches.Dimension));
        observers ??= [];
        if (runDirectory is not null)
        {
            Directory.CreateDirectory(runDirectory);
            AtomicFile.WriteAllText(Path.Combine(runDirectory, RunFolder.Config), JsonSerializer.Serialize(options, JsonOptions));
        }
        var checkpointPath = runDirectory is null ? null : Path.Combine(runDirectory, RunFolder.Checkpoint);
        if (resume && (checkpointPath is null || !File.Exists(checkpointPath)))
            throw new FileNotFoundException($"resume: true, but there is no checkpoint at '{checkpointPath ?? "(no run directory)"}'. Start fresh (resume: false).");
        if (resume) TrainingCheckpoint.DeleteStaleTemporaries(runDirectory!);
        using var loop = new TrainingLoop(batches, options, progress, observers, runDirectory, checkpointPath, resume, cancellation);
        return loop.Run();
    }
}
