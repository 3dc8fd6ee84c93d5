using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Diagnostics;
using MLSae.Evaluation;
using MLSae.Evaluation.Preservation;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Scoring;

namespace MLSae.Cli.Experiments;

/// <summary>
/// Evaluates one trained run folder on held-out rows: eval.json (SAEBench schema, per-feature densities
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
        {
            var curves = PrefixCurves.CompareOrderings(weights, heldOut, Math.Min(eval.PrefixRows, heldOut.RowCount), seed: 0, progress);
            AtomicFile.WriteAllText(Path.Combine(runDirectory, ReorderCommand.PrefixCurvesFile), ReorderCommand.ToCsv(curves));
        }
        var options = new MetricsEvaluatorOptions { BatchSize = eval.BatchSize, MaxTokens = eval.MaxTokens };
        var metrics = new MetricsEvaluator(options).Evaluate(heldOut, new SaeCpuForward(weights), progress);
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
        EvalJsonWriter.Write(Path.Combine(runDirectory, RunFolder.Eval), report);
        return report;
    }
}
