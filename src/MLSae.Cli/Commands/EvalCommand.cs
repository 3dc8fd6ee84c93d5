using System.CommandLine;
using System.Globalization;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Evaluation;
using MLSae.Evaluation.Features;
using MLSae.Evaluation.Probing;
using MLSae.Models;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae eval`: core metrics (and optionally sparse probing) of a trained SAE on cached activations;
/// writes eval.json (SAEBench schema) and features.jsonl to --out and prints a summary table.
/// </summary>
static class EvalCommand
{
    // ---- Wiring points --------------------------------------------------------------------------
    // The SAE file format (training branch) and the activation cache reader (extraction branch) live
    // on other branches. At merge, point these at SaeWeights loading from a run folder and at the
    // ActivationCache (which implements IActivationSource and, for contexts, ITokenMetadataSource),
    // and give TextModel the extraction engine's per-text activations for --probe-data.

    /// <summary>Run folder (or file) to SAE weights.</summary>
    internal static Func<string, SaeWeights> LoadSae { get; set; } = path =>
        throw new InvalidOperationException($"Cannot read the SAE at '{path}': this build has no SAE reader wired into 'mlsae eval' yet (EvalCommand.LoadSae).");

    /// <summary>Activation cache folder to rows.</summary>
    internal static Func<string, IActivationSource> OpenActivations { get; set; } = path =>
        throw new InvalidOperationException($"Cannot open the activations at '{path}': this build has no activation-cache reader wired into 'mlsae eval' yet (EvalCommand.OpenActivations).");

    /// <summary>The token ids / documents of the cache rows, for feature contexts; null when unavailable.</summary>
    internal static Func<IActivationSource, ITokenMetadataSource?> TokenMetadata { get; set; } = source => source as ITokenMetadataSource;

    /// <summary>Token id to text for contexts; ids are printed when null.</summary>
    internal static Func<SaeWeights, Func<int, string>?> Decoder { get; set; } = _ => null;

    /// <summary>Per-text activations at the SAE's hook for sparse probing; null when no model is wired.</summary>
    internal static Func<SaeWeights, ITextActivationSource?> TextModel { get; set; } = _ => null;

    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "Run folder (or file) of the trained SAE.", Required = true };
        var activations = new Option<string>("--activations") { Description = "Activation cache folder to evaluate on (ideally held-out text).", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for eval.json and features.jsonl.", Required = true };
        var probeData = new Option<string?>("--probe-data") { Description = "Labelled texts (.jsonl or .csv) for sparse probing." };
        var labelField = new Option<string>("--label-field") { Description = "Label field/column of --probe-data.", DefaultValueFactory = _ => "label" };
        var textField = new Option<string>("--text-field") { Description = "Text field/column of --probe-data.", DefaultValueFactory = _ => "text" };
        var positive = new Option<string?>("--positive-class") { Description = "Probe this class against the rest (default: every class one-vs-rest)." };
        var maxTokens = new Option<long>("--max-tokens") { Description = "Evaluate at most this many tokens (0: all).", DefaultValueFactory = _ => MetricsEvaluatorDefaults.MaxTokens };
        var batch = new Option<int>("--batch-size") { Description = "Tokens per batch (also the batch of explained_variance_legacy).", DefaultValueFactory = _ => MetricsEvaluatorDefaults.BatchSize };
        var top = new Option<int>("--top-examples") { Description = "Top activating rows kept per feature in features.jsonl (0: no table).", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the probing split.", DefaultValueFactory = _ => SparseProbingDefaults.Seed };

        var command = new Command("eval", "Evaluate an SAE: reconstruction, shrinkage, sparsity, feature density, optional sparse probing; writes eval.json.")
        {
            sae, activations, output, probeData, labelField, textField, positive, maxTokens, batch, top, seed,
        };
        command.SetAction(parse => Run(new EvalArguments(
            parse.GetValue(sae)!, parse.GetValue(activations)!, parse.GetValue(output)!,
            parse.GetValue(probeData), parse.GetValue(labelField)!, parse.GetValue(textField)!, parse.GetValue(positive),
            parse.GetValue(maxTokens), parse.GetValue(batch), parse.GetValue(top), parse.GetValue(seed))));
        return command;
    }

    internal sealed record EvalArguments(string Sae, string Activations, string Out, string? ProbeData, string LabelField,
        string TextField, string? PositiveClass, long MaxTokens, int BatchSize, int TopExamples, int Seed);

    internal static int Run(EvalArguments a)
    {
        try
        {
            var weights = LoadSae(a.Sae);
            var source = OpenActivations(a.Activations);
            var options = new MetricsEvaluatorOptions { BatchSize = a.BatchSize, MaxTokens = a.MaxTokens };
            var forward = new SaeCpuForward(weights);
            var table = a.TopExamples > 0 ? new FeatureTableBuilder(weights.FeatureCount, a.TopExamples) : null;
            var metrics = ProgressDisplay.Run("eval", progress => new MetricsEvaluator(options).Evaluate(source, forward, table, progress));

            SparseProbingResult? probing = null;
            if (a.ProbeData is { } probePath)
            {
                var model = TextModel(weights) ?? throw new InvalidOperationException(
                    "--probe-data needs the model that produced the activations, and no text-to-activations engine is wired into 'mlsae eval' yet (EvalCommand.TextModel).");
                var texts = LabeledTextReader.Read(probePath, a.LabelField, a.TextField);
                var pooled = ProgressDisplay.Run("probe texts", progress => ProbingDataBuilder.Build(texts, model, forward, progress));
                probing = ProgressDisplay.Run("sparse probing", progress =>
                    new SparseProbingEvaluator(new SparseProbingOptions { PositiveClass = a.PositiveClass, Seed = a.Seed }).Evaluate(pooled, progress));
            }

            Directory.CreateDirectory(a.Out);
            var report = new EvalReport
            {
                Core = metrics, CoreOptions = options, SparseProbing = probing,
                ModelName = weights.Info.ModelName, HookName = weights.Info.HookName,
                SaeSource = Path.GetFullPath(a.Sae), ActivationsSource = Path.GetFullPath(a.Activations),
            };
            var evalPath = Path.Combine(a.Out, EvalJsonWriter.FileName);
            EvalJsonWriter.Write(evalPath, report);
            if (table is not null)
                table.Build().WriteJsonLines(Path.Combine(a.Out, "features.jsonl"), TokenMetadata(source), Decoder(weights));
            AnsiConsole.Write(SummaryTable(report));
            AnsiConsole.MarkupLineInterpolated($"wrote [green]{evalPath}[/]");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or FormatException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/]: {e.Message}");
            return 1;
        }
    }

    internal static Table SummaryTable(EvalReport report)
    {
        var m = report.Core;
        var t = new Table().AddColumn("group").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        void Row(string g, string name, double v) => t.AddRow(g, name, double.IsFinite(v) ? v.ToString("G5", CultureInfo.InvariantCulture) : "-");
        Row("reconstruction", "explained_variance", m.ExplainedVariance);
        Row("reconstruction", "explained_variance_legacy", m.ExplainedVarianceLegacy);
        Row("reconstruction", "mse (per element)", m.Mse);
        Row("reconstruction", "cossim", m.CosineSimilarity);
        Row("shrinkage", "l2_norm_in", m.L2NormIn);
        Row("shrinkage", "l2_norm_out", m.L2NormOut);
        Row("shrinkage", "l2_ratio", m.L2Ratio);
        Row("shrinkage", "relative_reconstruction_bias", m.RelativeReconstructionBias);
        Row("sparsity", "l0", m.L0);
        Row("sparsity", "l1", m.L1);
        Row("features", "frac_alive", m.FracAlive);
        Row("features", "dead_fraction", m.DeadFraction);
        Row("features", "dense_fraction", m.DenseFraction);
        Row("tokens", "tokens", m.Tokens);
        if (m.Preservation is { } p)
        {
            Row("preservation", "kl_div_score", p.KlDivScore);
            Row("preservation", "ce_loss_score", p.CeLossScore);
        }
        if (report.SparseProbing is { } sp)
        {
            Row("sparse probing", "llm_test_accuracy", sp.LlmTestAccuracy);
            foreach (var (k, v) in sp.SaeTopK.OrderBy(kv => kv.Key)) Row("sparse probing", $"sae_top_{k}_test_accuracy", v);
        }
        return t;
    }
}
