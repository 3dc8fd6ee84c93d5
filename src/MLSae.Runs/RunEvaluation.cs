using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Evaluation;
using MLSae.Evaluation.Preservation;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Runs.Experiments;
using MLSae.Scoring;

namespace MLSae.Runs;

/// <summary>
/// Evaluates run folders. Both `mlsae eval` and the experiment runner compute core metrics through
/// <see cref="EvaluationForward"/> (ONNX Runtime, unit-decoder-row codes) and write eval.json through
/// <see cref="WriteReport"/>. <see cref="Evaluate"/> is the experiment runner's whole evaluation of one trained run folder on held-out rows: eval.json (SAEBench schema, per-feature densities
/// included) and, optionally, prefix_curves.csv (as trained, post-hoc frequency, mean activation,
/// importance and random orders) and, with <see cref="DownstreamTexts"/>, downstream preservation (the SAE
/// spliced into the model). eval.json is written last: its presence marks the run as evaluated.
/// </summary>
public static class RunEvaluation
{
    /// <summary>Texts for downstream preservation and the model and hook to splice the SAE into.</summary>
    /// <param name="Model">The model (a causal LM built with its logits, or an encoder).</param>
    /// <param name="Hook">The hook the SAEs were trained on.</param>
    /// <param name="Documents">Texts training never read.</param>
    /// <param name="Context">Tokens per context, as extracted.</param>
    public sealed record DownstreamTexts(TransformerModel Model, string Hook, IReadOnlyList<TextDocument> Documents, int Context);

    /// <summary>Evaluates the SAE in <paramref name="runDirectory"/> on <paramref name="heldOut"/>.</summary>
    public static EvalReport Evaluate(string runDirectory, IActivationSource heldOut, ExperimentEvalOptions eval,
        string? activationsDescription = null, IProgress<ProgressInfo>? progress = null, DownstreamTexts? downstream = null)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        var weights = SaeLoader.Load(runDirectory);
        if (weights.InputDim != heldOut.Dimension)
            throw new InvalidOperationException($"The SAE in '{runDirectory}' reads d={weights.InputDim} but the activations have d={heldOut.Dimension}.");
        if (eval.PrefixCurves)
            PrefixCurveFile.Write(runDirectory, PrefixCurves.CompareOrderings(weights, heldOut, Math.Min(eval.PrefixRows, heldOut.RowCount), seed: 0, progress));
        var options = new MetricsEvaluatorOptions { BatchSize = eval.BatchSize, MaxTokens = eval.MaxTokens };
        SaeMetrics metrics;
        using (var forward = new EvaluationForward(weights, eval.BatchSize))
            metrics = forward.CoreMetrics(heldOut, options, progress: progress);
        DownstreamPreservationResult? preserved = null;
        if (downstream is not null && eval.DownstreamTokens > 0)
        {
            using var evaluator = new DownstreamPreservationEvaluator(downstream.Model, downstream.Hook, weights,
                new DownstreamPreservationOptions { ContextLength = downstream.Context, MaxTokens = eval.DownstreamTokens });
            preserved = evaluator.Evaluate(downstream.Documents, progress);
        }
        var report = new EvalReport
        {
            Core = metrics,
            CoreOptions = options,
            Downstream = preserved,
            ModelName = weights.Info.ModelName,
            HookName = weights.Info.HookName,
            SaeSource = Path.GetFullPath(runDirectory),
            ActivationsSource = activationsDescription,
        };
        WriteReport(runDirectory, report);
        return report;
    }

    /// <summary>Writes <paramref name="report"/> as eval.json (SAEBench schema, atomically) into <paramref name="directory"/>; returns its path.</summary>
    public static string WriteReport(string directory, EvalReport report)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, RunFolder.Eval);
        EvalJsonWriter.Write(path, report);
        return path;
    }
}
