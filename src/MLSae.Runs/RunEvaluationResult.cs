using MLSae.Evaluation;
using MLSae.Evaluation.Absorption;
using MLSae.Evaluation.Concepts;
using MLSae.Evaluation.Preservation;

namespace MLSae.Runs;

/// <summary>What <see cref="RunEvaluation.Evaluate(string, string, RunEvaluationOptions?, IRunProgress?)"/> computed and wrote.</summary>
/// <param name="Report">eval.json's content.</param>
/// <param name="EvalPath">The eval.json written.</param>
public sealed record RunEvaluationResult(EvalReport Report, string EvalPath)
{
    /// <summary>features.jsonl (null when <see cref="RunEvaluationOptions.TopExamples"/> is 0).</summary>
    public string? FeaturesPath { get; init; }
    /// <summary>Downstream preservation as run (null when not asked for).</summary>
    public DownstreamRun? Downstream { get; init; }
    /// <summary>Absorption with its per-letter counts (null when not asked for).</summary>
    public AbsorptionRun? Absorption { get; init; }
    /// <summary>SCR and the scr.json written (null when not asked for).</summary>
    public ConceptRun<ScrResult>? Scr { get; init; }
    /// <summary>TPP and the tpp.json written (null when not asked for).</summary>
    public ConceptRun<TppResult>? Tpp { get; init; }
}

/// <summary>Downstream preservation with how it ran.</summary>
/// <param name="Result">The metrics, tokens, contexts, time and provider.</param>
/// <param name="ContextLength">Tokens per context.</param>
/// <param name="BatchSize">Contexts per ONNX Runtime run.</param>
public sealed record DownstreamRun(DownstreamPreservationResult Result, int ContextLength, int BatchSize);

/// <summary>Absorption with its wall time.</summary>
/// <param name="Result">The metrics and per-letter counts.</param>
/// <param name="Elapsed">Wall time, model runs included.</param>
public sealed record AbsorptionRun(AbsorptionResult Result, TimeSpan Elapsed);

/// <summary>An SCR or TPP result and the JSON file written.</summary>
/// <param name="Result">The result.</param>
/// <param name="Path">scr.json or tpp.json.</param>
public sealed record ConceptRun<T>(T Result, string Path);
