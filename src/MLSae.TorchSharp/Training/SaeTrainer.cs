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
        Validate(options);
        if (options.TargetL0 is { } target && target > options.ResolveFeatureCount(batches.Dimension))
            throw new ArgumentException($"SaeTrainingOptions.TargetL0 (--target-l0) is {target}, more than the {options.ResolveFeatureCount(batches.Dimension)} features " +
                "the SAE has: choose a target L0 of at most m (typically 16-128).", nameof(options));
        TorchSharpRuntime.EnsureLoaded();
        if (options.TuneAllocator) GlibcAllocator.Tune(4L * options.BatchSize * options.ResolveFeatureCount(batches.Dimension));
        observers ??= [];
        if (runDirectory is not null)
        {
            Directory.CreateDirectory(runDirectory);
            AtomicFile.WriteAllText(Path.Combine(runDirectory, "config.json"), JsonSerializer.Serialize(options, JsonOptions));
        }
        var checkpointPath = runDirectory is null ? null : Path.Combine(runDirectory, TrainingCheckpoint.FileName);
        if (resume && (checkpointPath is null || !File.Exists(checkpointPath)))
            throw new FileNotFoundException($"--resume: no checkpoint at '{checkpointPath ?? "(no run directory)"}'. Run without --resume to start fresh.");
        using var loop = new TrainingLoop(batches, options, progress, observers, runDirectory, checkpointPath, resume, cancellation);
        return loop.Run();
    }

    static void Validate(SaeTrainingOptions o)
    {
        void Check(bool ok, string message) { if (!ok) throw new ArgumentException(message, nameof(o)); }
        Check(o.BatchSize > 0, $"Batch size must be positive (got {o.BatchSize}).");
        Check(o.GradientAccumulation > 0, $"Gradient accumulation must be at least 1 (got {o.GradientAccumulation}).");
        Check(o.ResolveSteps() > 0, "Train for at least one step: set --steps or --tokens.");
        Check(o.LearningRate > 0, $"Learning rate must be positive (got {o.LearningRate}).");
        Check(o.Beta1 is >= 0 and < 1 && o.Beta2 is >= 0 and < 1, $"Adam betas must be in [0, 1) (got {o.Beta1}, {o.Beta2}).");
        Check(o.FeatureCount > 0 || o.Expansion > 0, "Set a positive --d-sae or --expansion.");
        Check(o.LogEvery > 0, $"LogEvery must be positive (got {o.LogEvery}).");
        if (o.TargetL0 is { } target)
        {
            Check(double.IsFinite(target) && target > 0, $"SaeTrainingOptions.TargetL0 (--target-l0) must be a positive number of features per token (got {target}).");
            Check(o.Architecture is SaeArchitecture.Standard or SaeArchitecture.JumpReLU,
                $"SaeTrainingOptions.TargetL0 (--target-l0) applies to standard and jumprelu SAEs; {o.Architecture} sets L0 with SaeTrainingOptions.K (--k). Remove the target or set K.");
        }
    }
}
