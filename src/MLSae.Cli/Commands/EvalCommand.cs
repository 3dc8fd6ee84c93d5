using System.CommandLine;
using System.Globalization;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Evaluation;
using MLSae.Evaluation.Preservation;
using MLSae.Evaluation.Probing;
using MLSae.Evaluation.Absorption;
using MLSae.Persistence;
using MLSae.Runs;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae eval`: the flags become <see cref="RunEvaluationOptions"/>, <see cref="RunEvaluation"/> evaluates the SAE
/// (core metrics and the optional probing, downstream preservation, absorption, SCR and TPP) and writes eval.json
/// (SAEBench schema) and features.jsonl to --out (default: the run folder); this command prints the summary table.
/// </summary>
static class EvalCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: training run folder, .onnx, ML.NET model zip, SAELens folder or sparsify folder.", Required = true };
        var activations = new Option<string>("--activations") { Description = "Activation cache folder (or .safetensors [rows, d]) to evaluate on (ideally held-out text).", Required = true };
        var output = new Option<string?>("--out") { Description = "Folder for eval.json and features.jsonl (default: the run folder given to --sae)." };
        var probeData = new Option<string?>("--probe-data") { Description = "Labelled texts (.jsonl or .csv) for sparse probing." };
        var labelField = new Option<string>("--label-field") { Description = "Label field/column of --probe-data.", DefaultValueFactory = _ => "label" };
        var textField = new Option<string>("--text-field") { Description = "Text field/column of --probe-data and --data.", DefaultValueFactory = _ => "text" };
        var positive = new Option<string?>("--positive-class") { Description = "Probe this class against the rest (default: every class one-vs-rest)." };
        var maxTokens = new Option<long>("--max-tokens") { Description = "Evaluate at most this many tokens (0: all).", DefaultValueFactory = _ => MetricsEvaluatorDefaults.MaxTokens };
        var batch = new Option<int>("--batch-size") { Description = "Tokens per batch (also the batch of explained_variance_legacy).", DefaultValueFactory = _ => MetricsEvaluatorDefaults.BatchSize };
        var top = new Option<int>("--top-examples") { Description = "Top activating rows kept per feature in features.jsonl (0: no table).", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the probing split.", DefaultValueFactory = _ => SparseProbingDefaults.Seed };
        var data = new Option<string?>("--data") { Description = "Texts (.txt, .jsonl, .csv, .parquet or a folder) for downstream preservation: the model runs them unchanged, with the SAE spliced in at the hook and zero-ablated (kl_div_score, ce_loss_score; embedding_cosine_score for encoders)." };
        var model = new Option<string?>("--model") { Description = $"Model for --data and --absorption (default: the activation cache's model). {string.Join("; ", ModelSources.ValidForms)}." };
        var hook = new Option<string?>("--hook") { Description = "Hook the SAE is spliced at / --absorption reads (default: the SAE's hook, else the cache's)." };
        var downstreamTokens = new Option<long>("--downstream-tokens") { Description = "Text tokens of --data to evaluate (0: all).", DefaultValueFactory = _ => DownstreamPreservationDefaults.MaxTokens };
        var context = new Option<int>("--context") { Description = "Tokens per context for --data (default: the cache's, else 128)." };
        var absorption = new Option<bool>("--absorption") { Description = "Measure first-letter feature absorption (SAEBench): single-token words of the model's vocabulary in an in-context prompt, run through --model at --hook." };
        var absorptionWords = new Option<int>("--absorption-words") { Description = "At most this many vocabulary words for --absorption (a seeded sample; 0: all).", DefaultValueFactory = _ => AbsorptionEvaluatorDefaults.MaxWords };
        var json = new Option<bool>("--json") { Description = "Print eval.json to standard output (progress and notes go to standard error) instead of the summary table." };
        var reconstructSpecial = new Option<bool>("--reconstruct-special") { Description = "Splice the reconstruction at special-token positions too (default: they keep their activations, as SAEBench)." };

        var command = new Command("eval", "Evaluate an SAE: reconstruction, shrinkage, sparsity, feature density, optional sparse probing; writes eval.json.")
        {
            sae, activations, output, probeData, labelField, textField, positive, maxTokens, batch, top, seed,
            data, model, hook, downstreamTokens, context, reconstructSpecial, absorption, absorptionWords, json,
        };
        foreach (var option in EvalConcepts.Options) command.Options.Add(option);
        command.SetAction(parse => Run(new EvalArguments(
            parse.GetValue(sae)!, parse.GetValue(activations)!, parse.GetValue(output),
            parse.GetValue(probeData), parse.GetValue(labelField)!, parse.GetValue(textField)!, parse.GetValue(positive),
            parse.GetValue(maxTokens), parse.GetValue(batch), parse.GetValue(top), parse.GetValue(seed),
            parse.GetValue(data), parse.GetValue(model), parse.GetValue(hook), parse.GetValue(downstreamTokens),
            parse.GetValue(context), parse.GetValue(reconstructSpecial), parse.GetValue(absorption), parse.GetValue(absorptionWords), parse.GetValue(json),
            EvalConcepts.Read(parse))));
        return command;
    }

    internal sealed record EvalArguments(string Sae, string Activations, string? Out, string? ProbeData, string LabelField,
        string TextField, string? PositiveClass, long MaxTokens, int BatchSize, int TopExamples, int Seed,
        string? Data = null, string? Model = null, string? Hook = null, long DownstreamTokens = DownstreamPreservationDefaults.MaxTokens,
        int Context = 0, bool ReconstructSpecial = false, bool Absorption = false, int AbsorptionWords = AbsorptionEvaluatorDefaults.MaxWords,
        bool Json = false, EvalConcepts.Arguments? Concepts = null);

    internal static int Run(EvalArguments a)
    {
        if (a.BatchSize <= 0) return CliErrors.Usage("eval", $"--batch-size must be positive (got {a.BatchSize}).");
        if (a.MaxTokens < 0) return CliErrors.Usage("eval", $"--max-tokens must be 0 (all) or positive (got {a.MaxTokens}).");
        if (a.TopExamples < 0) return CliErrors.Usage("eval", $"--top-examples must be 0 (no table) or positive (got {a.TopExamples}).");
        if (a.DownstreamTokens < 0) return CliErrors.Usage("eval", $"--downstream-tokens must be 0 (all) or positive (got {a.DownstreamTokens}).");
        if (a.Context < 0) return CliErrors.Usage("eval", $"--context must be positive (got {a.Context}).");
        if (a.Concepts is { } concepts && EvalConcepts.Problem(concepts) is { } problem) return CliErrors.Usage("eval", problem);
        // With --json, standard output carries only the JSON: everything else Spectre prints goes to standard error.
        var console = AnsiConsole.Console;
        if (a.Json) AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        try
        {
            var result = RunEvaluation.Evaluate(a.Sae, a.Activations, Options(a), new ConsoleRunProgress());
            Render(a, result);
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("eval", e);
        }
        finally
        {
            AnsiConsole.Console = console;
        }
    }

    /// <summary>The flags as <see cref="RunEvaluationOptions"/>: which evaluations run, and how.</summary>
    internal static RunEvaluationOptions Options(EvalArguments a) => new()
    {
        OutputDirectory = a.Out, BatchSize = a.BatchSize, MaxTokens = a.MaxTokens, TopExamples = a.TopExamples,
        Model = a.Model, Hook = a.Hook, TextField = a.TextField,
        SparseProbing = a.ProbeData is { } probe
            ? new ProbingEvaluation(probe) { LabelField = a.LabelField, Options = new SparseProbingOptions { PositiveClass = a.PositiveClass, Seed = a.Seed } }
            : null,
        Downstream = a.Data is { } data
            ? new DownstreamEvaluation { Data = data, ContextLength = a.Context, MaxTokens = a.DownstreamTokens, ReconstructSpecialTokens = a.ReconstructSpecial }
            : null,
        Absorption = a.Absorption ? new AbsorptionEvaluatorOptions { MaxWords = a.AbsorptionWords, Seed = a.Seed } : null,
        Scr = a.Concepts is { } c ? EvalConcepts.Scr(c) : null,
        Tpp = a.Concepts is { } t ? EvalConcepts.Tpp(t) : null,
    };

    /// <summary>The timing lines, the summary table (or eval.json with --json) and the files written.</summary>
    static void Render(EvalArguments a, RunEvaluationResult result)
    {
        if (result.Downstream is { } d)
        {
            double seconds = d.Result.Elapsed.TotalSeconds;
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"downstream preservation: {d.Result.Tokens:N0} tokens in {d.Result.Contexts:N0} contexts of {d.ContextLength}, {seconds:F1} s ({d.Result.Tokens / Math.Max(seconds, 1e-9):N0} tokens/s; original, SAE and ablation in one session, batch {d.BatchSize}, {d.Result.Provider})");
        }
        if (result.Absorption is { Result: var ab } absorption)
            AnsiConsole.MarkupLineInterpolated($"absorption: {ab.Words:N0} words ({ab.TrainWords:N0} train, {ab.TestWords:N0} test), letter probe test accuracy {ab.ProbeTestAccuracy:P1}, {absorption.Elapsed.TotalSeconds:F1} s");
        if (a.Json)
        {
            using var buffer = new MemoryStream();
            EvalJsonWriter.Write(buffer, result.Report);
            Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else
            AnsiConsole.Write(SummaryTable(result.Report));
        AnsiConsole.MarkupLineInterpolated($"wrote [green]{result.EvalPath}[/]");
        EvalConcepts.Render(result);
    }

    internal static Table SummaryTable(EvalReport report)
    {
        var m = report.Core;
        var t = new Table().AddColumn("group").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        void Row(string g, string name, double v) => t.AddRow(g, name, double.IsFinite(v) ? v.ToString("G5", CultureInfo.InvariantCulture) : "-");
        Row("reconstruction", "explained_variance", m.ExplainedVariance);
        Row("reconstruction", "explained_variance_legacy", m.ExplainedVarianceLegacy);
        Row("reconstruction", "mse (per element)", m.Mse);
        Row("reconstruction", "mse_legacy (SAEBench)", m.MseLegacy);
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
        if ((report.Downstream?.LanguageModel ?? m.Preservation) is { } p)
        {
            Row("preservation", "kl_div_score", p.KlDivScore);
            Row("preservation", "kl_div_with_sae", p.KlDivWithSae);
            Row("preservation", "kl_div_with_ablation", p.KlDivWithAblation);
            Row("preservation", "ce_loss_score", p.CeLossScore);
            Row("preservation", "ce_loss_without_sae", p.CeLossWithoutSae);
            Row("preservation", "ce_loss_with_sae", p.CeLossWithSae);
            Row("preservation", "ce_loss_with_ablation", p.CeLossWithAblation);
        }
        if (report.Downstream?.Embedding is { } e)
        {
            Row("preservation", "embedding_cosine_score", e.CosineScore);
            Row("preservation", "embedding_cosine_distance_with_sae", e.CosineDistanceWithSae);
            Row("preservation", "embedding_cosine_distance_with_ablation", e.CosineDistanceWithAblation);
        }
        if (report.Absorption is { } ab)
        {
            Row("absorption", "mean_absorption_fraction_score", ab.MeanAbsorptionFractionScore);
            Row("absorption", "mean_full_absorption_score", ab.MeanFullAbsorptionScore);
            Row("absorption", "mean_num_split_features", ab.MeanNumSplitFeatures);
        }
        if (report.SparseProbing is { } sp)
        {
            Row("sparse probing", "llm_test_accuracy", sp.LlmTestAccuracy);
            foreach (var (k, v) in sp.SaeTopK.OrderBy(kv => kv.Key)) Row("sparse probing", $"sae_top_{k}_test_accuracy", v);
        }
        return t;
    }
}
