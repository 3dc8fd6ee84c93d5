using MLSae.Evaluation.Preservation;
using MLSae.Evaluation.Probing;

namespace MLSae.Evaluation;

/// <summary>
/// Everything one evaluation produced, as written to eval.json: the core metrics plus optional
/// sparse probing and absorption, and the context needed to reproduce it.
/// </summary>
public sealed record EvalReport
{
    /// <summary>The core metrics.</summary>
    public required SaeMetrics Core { get; init; }
    /// <summary>The options the core metrics were computed with.</summary>
    public MetricsEvaluatorOptions CoreOptions { get; init; } = new();
    /// <summary>Sparse probing results, when probe data was given.</summary>
    public SparseProbingResult? SparseProbing { get; init; }
    /// <summary>Absorption results, when measured.</summary>
    public AbsorptionMetrics? Absorption { get; init; }
    /// <summary>
    /// Downstream preservation (the SAE spliced into the model), when measured. Its causal-LM metrics
    /// take precedence over <see cref="SaeMetrics.Preservation"/>; its encoder metrics are written as
    /// <c>embedding_*</c> keys of model_behavior_preservation.
    /// </summary>
    public DownstreamPreservationResult? Downstream { get; init; }
    /// <summary>Where the downstream-preservation texts came from.</summary>
    public string? DownstreamSource { get; init; }
    /// <summary>The model the activations came from.</summary>
    public string? ModelName { get; init; }
    /// <summary>The hook the SAE reads.</summary>
    public string? HookName { get; init; }
    /// <summary>Where the SAE came from (run folder or file).</summary>
    public string? SaeSource { get; init; }
    /// <summary>Where the activations came from.</summary>
    public string? ActivationsSource { get; init; }
    /// <summary>Unique id of this evaluation; a new GUID by default.</summary>
    public string EvalId { get; init; } = Guid.NewGuid().ToString();
    /// <summary>When the evaluation finished.</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>Write a per-feature entry (index, density, mean activation) into eval_result_details.</summary>
    public bool IncludeFeatureDetails { get; init; } = true;
}

/// <summary>First-letter absorption means across letters (SAEBench's "mean" group).</summary>
public sealed record AbsorptionMetrics
{
    /// <summary>Mean over letters of the fraction of probe-true tokens where the main latents miss and an absorbing latent fires.</summary>
    public double MeanAbsorptionFractionScore { get; init; }
    /// <summary>Mean over letters of the fraction of probe-true tokens fully absorbed (main latents silent).</summary>
    public double MeanFullAbsorptionScore { get; init; }
    /// <summary>Mean number of main (split) latents per letter.</summary>
    public double MeanNumSplitFeatures { get; init; }
    /// <summary>Standard deviation over letters of the absorption fraction.</summary>
    public double StdDevAbsorptionFractionScore { get; init; }
    /// <summary>Standard deviation over letters of the full-absorption score.</summary>
    public double StdDevFullAbsorptionScore { get; init; }
    /// <summary>Standard deviation over letters of the split-latent count.</summary>
    public double StdDevNumSplitFeatures { get; init; }
}
