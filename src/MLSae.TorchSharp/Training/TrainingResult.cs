using MLSae.Models;

namespace MLSae.Training;

/// <summary>What <see cref="SaeTrainer.Train(MLSae.Activations.IActivationSource, SaeTrainingOptions, IProgress{MLSae.Diagnostics.ProgressInfo}?, IReadOnlyList{ITrainingObserver}?, string?, bool, CancellationToken)"/> returns.</summary>
public sealed record TrainingResult
{
    /// <summary>The trained SAE in raw activation space (normalisation folded back).</summary>
    public required SaeWeights Weights { get; init; }
    /// <summary>Steps completed.</summary>
    public long Steps { get; init; }
    /// <summary>Tokens trained on.</summary>
    public long Tokens { get; init; }
    /// <summary>The activation scale s used in training (x_n = s x).</summary>
    public double ActivationScale { get; init; }
    /// <summary>Every metrics row of the run.</summary>
    public IReadOnlyList<TrainingMetrics> Metrics { get; init; } = [];
    /// <summary>The run folder, or null for in-memory training.</summary>
    public string? RunDirectory { get; init; }
}

/// <summary>Thrown when the loss or the weights become NaN or infinite; the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
