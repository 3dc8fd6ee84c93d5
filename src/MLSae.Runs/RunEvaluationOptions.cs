using MLSae.Activations;
using MLSae.Evaluation;
using MLSae.Evaluation.Absorption;
using MLSae.Evaluation.Concepts;
using MLSae.Evaluation.Preservation;
using MLSae.Evaluation.Probing;

namespace MLSae.Runs;

/// <summary>Defaults of <see cref="RunEvaluationOptions"/>.</summary>
public static class RunEvaluationDefaults
{
    /// <summary>Top activating rows kept per feature in features.jsonl.</summary>
    public const int TopExamples = 10;
    /// <summary>Text field/column of the text files the evaluations read.</summary>
    public const string TextField = CorpusReader.DefaultTextField;
    /// <summary>Label field/column of the sparse-probing texts.</summary>
    public const string LabelField = "label";
}

/// <summary>
/// What <see cref="RunEvaluation"/> computes besides the core metrics: each optional evaluation is a nested record,
/// null leaves it out. The SAE's model and hook (for probing, downstream preservation, absorption, SCR and TPP) are
/// <see cref="Model"/> / <see cref="Hook"/> when set, else the SAE's and the activation cache's.
/// </summary>
public sealed record RunEvaluationOptions
{
    /// <summary>Options with every default applied (core metrics and the feature table only).</summary>
    public RunEvaluationOptions() { }

    /// <summary>Folder for eval.json and the other files; null: the SAE's run folder (an error when the SAE is a file).</summary>
    public string? OutputDirectory { get; init; }
    /// <summary>Rows per batch of the core metrics (also the batch of explained_variance_legacy).</summary>
    public int BatchSize { get; init; } = MetricsEvaluatorDefaults.BatchSize;
    /// <summary>Evaluate at most this many rows (0: all).</summary>
    public long MaxTokens { get; init; } = MetricsEvaluatorDefaults.MaxTokens;
    /// <summary>Top activating rows per feature in features.jsonl (0: no features.jsonl).</summary>
    public int TopExamples { get; init; } = RunEvaluationDefaults.TopExamples;
    /// <summary>Model spec for the evaluations that run text (null: the activation cache's, else the SAE's).</summary>
    public string? Model { get; init; }
    /// <summary>Hook those evaluations read or splice at (null: the SAE's, else the activation cache's).</summary>
    public string? Hook { get; init; }
    /// <summary>Text field/column of every text file read.</summary>
    public string TextField { get; init; } = RunEvaluationDefaults.TextField;
    /// <summary>prefix_curves.csv on at most this many rows (null: not written).</summary>
    public long? PrefixCurveRows { get; init; }
    /// <summary>Sparse probing on labelled texts (null: skipped).</summary>
    public ProbingEvaluation? SparseProbing { get; init; }
    /// <summary>Downstream preservation: the SAE spliced into the model (null: skipped).</summary>
    public DownstreamEvaluation? Downstream { get; init; }
    /// <summary>First-letter feature absorption (null: skipped).</summary>
    public AbsorptionEvaluatorOptions? Absorption { get; init; }
    /// <summary>Spurious correlation removal, written to scr.json (null: skipped).</summary>
    public ScrEvaluation? Scr { get; init; }
    /// <summary>Targeted probe perturbation, written to tpp.json (null: skipped).</summary>
    public TppEvaluation? Tpp { get; init; }
}

/// <summary>Sparse probing on the labelled texts in <paramref name="Data"/> (.jsonl or .csv).</summary>
/// <param name="Data">The labelled texts.</param>
public sealed record ProbingEvaluation(string Data)
{
    /// <summary>Label field/column of <see cref="Data"/>.</summary>
    public string LabelField { get; init; } = RunEvaluationDefaults.LabelField;
    /// <summary>The probes.</summary>
    public SparseProbingOptions Options { get; init; } = new();
}

/// <summary>Downstream preservation on texts: <see cref="Data"/> (a file or folder) or <see cref="Documents"/>.</summary>
public sealed record DownstreamEvaluation
{
    /// <summary>Texts (.txt, .jsonl, .csv, .parquet or a folder), read with <see cref="RunEvaluationOptions.TextField"/>.</summary>
    public string? Data { get; init; }
    /// <summary>Texts in memory (used when <see cref="Data"/> is null).</summary>
    public IReadOnlyList<TextDocument>? Documents { get; init; }
    /// <summary>The model already built (null: resolved from <see cref="RunEvaluationOptions.Model"/>, the cache's or the SAE's).</summary>
    public TransformerModel? Model { get; init; }
    /// <summary>Tokens per context (0: the activation cache's, else <see cref="DownstreamPreservationDefaults.ContextLength"/>).</summary>
    public int ContextLength { get; init; }
    /// <summary>Text tokens evaluated (0: all).</summary>
    public long MaxTokens { get; init; } = DownstreamPreservationDefaults.MaxTokens;
    /// <summary>See <see cref="DownstreamPreservationOptions.ReconstructSpecialTokens"/>.</summary>
    public bool ReconstructSpecialTokens { get; init; } = DownstreamPreservationDefaults.ReconstructSpecialTokens;
}

/// <summary>SCR on <paramref name="Data"/> (.jsonl or .csv) with the binary label columns <paramref name="LabelA"/> (probed) and <paramref name="LabelB"/> (ablated).</summary>
/// <param name="Data">The labelled texts.</param>
/// <param name="LabelA">The attribute a probe is trained for where A and B are perfectly correlated.</param>
/// <param name="LabelB">The spurious attribute whose latents are ablated.</param>
public sealed record ScrEvaluation(string Data, string LabelA, string LabelB)
{
    /// <summary>The SCR options.</summary>
    public ScrOptions Options { get; init; } = new();
}

/// <summary>TPP on <paramref name="Data"/> (.jsonl or .csv) with the class column <paramref name="Label"/>.</summary>
/// <param name="Data">The labelled texts.</param>
/// <param name="Label">The class column.</param>
public sealed record TppEvaluation(string Data, string Label)
{
    /// <summary>The TPP options.</summary>
    public TppOptions Options { get; init; } = new();
}
