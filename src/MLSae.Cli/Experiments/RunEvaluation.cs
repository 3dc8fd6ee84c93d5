using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Diagnostics;
using MLSae.Evaluation;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Scoring;

namespace MLSae.Cli.Experiments;

/// <summary>
/// Evaluates one trained run folder on held-out rows: eval.json (SAEBench schema, per-feature densities
/// included) and, optionally, prefix_curves.csv (as trained, post-hoc frequency, mean activation,
/// importance and random orders). eval.json is written last: its presence marks the run as evaluated.
/// </summary>
public static class RunEvaluation
{
    /// <summary>Evaluates the SAE in <paramref name="runDirectory"/> on <paramref name="heldOut"/>.</summary>
    public static EvalReport Evaluate(string runDirectory, IActivationSource heldOut, ExperimentEvalOptions eval,
        string? activationsDescription = null, IProgress<ProgressInfo>? progress = null)
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
        var report = new EvalReport
        {
            Core = metrics,
            CoreOptions = options,
            ModelName = weights.Info.ModelName,
            HookName = weights.Info.HookName,
            SaeSource = Path.GetFullPath(runDirectory),
            ActivationsSource = activationsDescription,
        };
        EvalJsonWriter.Write(Path.Combine(runDirectory, RunFolder.Eval), report);
        return report;
    }
}
