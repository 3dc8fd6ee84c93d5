using System.CommandLine;
using System.Globalization;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Cli.Rendering;
using MLSae.Evaluation;
using MLSae.Evaluation.Features;
using MLSae.Evaluation.Preservation;
using MLSae.Evaluation.Probing;
using MLSae.Evaluation.Absorption;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Runs;
using MLSae.Scoring;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae eval`: core metrics (and optionally sparse probing) of a trained SAE on cached activations;
/// writes eval.json (SAEBench schema) and features.jsonl to --out (default: the run folder) and prints
/// a summary table. The SAE is read by <see cref="SaeLoader"/>, the activations by
/// <see cref="ActivationSources"/>; a cache's manifest names the model, whose tokenizer decodes the
/// feature contexts and which (with the manifest's hook) produces the activations of --probe-data.
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
            var outDir = a.Out ?? (Directory.Exists(a.Sae) && RunFolder.SaePath(a.Sae) is not null ? a.Sae
                : throw new ArgumentException($"--out is required: --sae '{a.Sae}' is not a training run folder (one holding {RunFolder.Sae}) to write eval.json into."));
            var weights = SaeLoader.Load(a.Sae);
            var source = ActivationSources.Open(a.Activations);
            try
            {
                return Evaluate(a, outDir, weights, source);
            }
            finally
            {
                (source as IDisposable)?.Dispose();
            }
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

    static int Evaluate(EvalArguments a, string outDir, SaeWeights weights, IActivationSource source)
    {
        var cache = source as ActivationCache;
        if (source.Dimension != weights.InputDim)
            throw new ArgumentException($"The activations '{a.Activations}' have d={source.Dimension} but the SAE '{a.Sae}' reads d={weights.InputDim}; evaluate on activations from the SAE's model and hook.");
        var options = new MetricsEvaluatorOptions { BatchSize = a.BatchSize, MaxTokens = a.MaxTokens };
        // The run-evaluation forward (ONNX Runtime, unit-decoder-row codes), shared with the experiment runner.
        using var forward = new EvaluationForward(weights, a.BatchSize);
        var table = a.TopExamples > 0 ? new FeatureTableBuilder(weights.FeatureCount, a.TopExamples) : null;
        var metrics = ProgressDisplay.Run("eval", progress => forward.CoreMetrics(source, options, table, progress));

        SparseProbingResult? probing = null;
        if (a.ProbeData is { } probePath)
        {
            if (cache is null || string.IsNullOrEmpty(cache.Manifest.Model) || string.IsNullOrEmpty(cache.Manifest.Hook))
                throw new ArgumentException($"--probe-data runs the texts through the model that produced the activations; '{a.Activations}' is not an activation cache whose manifest names its model and hook. Pass a cache folder written by `mlsae extract`.");
            TransformerModel model;
            try { model = ModelSources.Resolve(cache.Manifest.Model); }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"--probe-data runs the texts through the cache's model '{cache.Manifest.Model}', which does not resolve here ({e.Message}). Extract the cache with a model spec MLSae can load again (minilm-l6, pythia:DIR).", e);
            }
            using var text = ExtractorTextActivations.Create(model, cache.Manifest.Hook, new ExtractionOptions { ContextLength = cache.Manifest.Context > 0 ? cache.Manifest.Context : ExtractionDefaults.ContextLength, BatchSize = 1 });
            var texts = LabeledTextReader.Read(probePath, a.LabelField, a.TextField);
            var pooled = ProgressDisplay.Run("probe texts", progress => ProbingDataBuilder.Build(texts, text, forward, progress));
            probing = ProgressDisplay.Run("sparse probing", progress =>
                new SparseProbingEvaluator(new SparseProbingOptions { PositiveClass = a.PositiveClass, Seed = a.Seed }).Evaluate(pooled, progress));
        }

        DownstreamPreservationResult? downstream = null;
        if (a.Data is { } dataPath)
        {
            downstream = Downstream(a, dataPath, weights, cache);
            metrics = metrics with { Preservation = downstream.LanguageModel };
        }

        AbsorptionResult? absorbed = a.Absorption ? Absorption(a, weights, cache) : null;

        var report = new EvalReport
        {
            Core = metrics, CoreOptions = options, SparseProbing = probing, Absorption = absorbed?.Metrics,
            Downstream = downstream, DownstreamSource = a.Data is null ? null : Path.GetFullPath(a.Data),
            ModelName = weights.Info.ModelName ?? cache?.Manifest.Model, HookName = weights.Info.HookName ?? cache?.Manifest.Hook,
            SaeSource = Path.GetFullPath(a.Sae), ActivationsSource = Path.GetFullPath(a.Activations),
        };
        var evalPath = RunEvaluation.WriteReport(outDir, report);
        if (table is not null)
        {
            ITokenMetadataSource? tokens = cache is not null ? new CacheTokenMetadata(cache) : source as ITokenMetadataSource;
            table.Build().WriteJsonLines(Path.Combine(outDir, RunFolder.Features), tokens, tokens is null ? null : Decoder(cache));
        }
        if (a.Json)
        {
            using var buffer = new MemoryStream();
            EvalJsonWriter.Write(buffer, report);
            Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else
            AnsiConsole.Write(SummaryTable(report));
        AnsiConsole.MarkupLineInterpolated($"wrote [green]{evalPath}[/]");
        if (a.Concepts is { Any: true } concepts)
            EvalConcepts.Run(concepts, a.Model, a.Hook, a.Sae, weights, cache, outDir, a.TextField);
        return 0;
    }

    /// <summary>First-letter absorption on the SAE's model and hook (--model / --hook override); prints the per-letter counts.</summary>
    static AbsorptionResult Absorption(EvalArguments a, SaeWeights weights, ActivationCache? cache)
    {
        var spec = a.Model ?? NonEmpty(cache?.Manifest.Model) ?? weights.Info.ModelName
            ?? throw new ArgumentException($"--absorption runs words through the SAE's model, but neither the activations '{a.Activations}' nor the SAE name one: pass --model (e.g. minilm-l6 or pythia:DIR).");
        var hook = a.Hook ?? weights.Info.HookName ?? NonEmpty(cache?.Manifest.Hook)
            ?? throw new ArgumentException($"--absorption reads the SAE's hook, but neither the SAE '{a.Sae}' nor the activations name one: pass --hook (e.g. blocks.3.hook_resid_post).");
        TransformerModel model;
        try { model = ModelSources.Resolve(spec); }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--absorption runs words through model '{spec}', which does not resolve here ({e.Message}). Pass --model with a spec MLSae can load (minilm-l6, pythia:DIR, onnx:FILE).", e);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var evaluator = new AbsorptionEvaluator(new AbsorptionEvaluatorOptions { MaxWords = a.AbsorptionWords, Seed = a.Seed });
        var result = ProgressDisplay.Run("absorption", progress => evaluator.Evaluate(model, hook, weights, null, progress));
        AnsiConsole.MarkupLineInterpolated($"absorption: {result.Words:N0} words ({result.TrainWords:N0} train, {result.TestWords:N0} test), letter probe test accuracy {result.ProbeTestAccuracy:P1}, {clock.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    /// <summary>Runs --data through the model unchanged, with the SAE spliced in and zero-ablated; prints the timing.</summary>
    static DownstreamPreservationResult Downstream(EvalArguments a, string dataPath, SaeWeights weights, ActivationCache? cache)
    {
        var spec = a.Model ?? NonEmpty(cache?.Manifest.Model) ?? weights.Info.ModelName
            ?? throw new ArgumentException($"--data runs texts through the SAE's model, but neither the activations '{a.Activations}' nor the SAE name one: pass --model (e.g. minilm-l6 or pythia:DIR).");
        var hook = a.Hook ?? weights.Info.HookName ?? NonEmpty(cache?.Manifest.Hook)
            ?? throw new ArgumentException($"--data splices the SAE at its hook, but neither the SAE '{a.Sae}' nor the activations name one: pass --hook (e.g. blocks.3.hook_resid_post).");
        TransformerModel model;
        try { model = DownstreamModels.Resolve(spec); }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--data runs the texts through model '{spec}', which does not resolve here ({e.Message}). Pass --model with a spec MLSae can load (minilm-l6, pythia:DIR, onnx:FILE).", e);
        }
        int context = a.Context > 0 ? a.Context : cache is { Manifest.Context: > 0 } ? cache.Manifest.Context : DownstreamPreservationDefaults.ContextLength;
        using var evaluator = new DownstreamPreservationEvaluator(model, hook, weights, new DownstreamPreservationOptions
        {
            ContextLength = context, MaxTokens = a.DownstreamTokens, ReconstructSpecialTokens = a.ReconstructSpecial,
        });
        var result = ProgressDisplay.Run("downstream preservation", progress => evaluator.Evaluate(CorpusReader.Read(dataPath, a.TextField), progress));
        double seconds = result.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"downstream preservation: {result.Tokens:N0} tokens in {result.Contexts:N0} contexts of {context}, {seconds:F1} s ({result.Tokens / Math.Max(seconds, 1e-9):N0} tokens/s; original, SAE and ablation in one session, batch {evaluator.BatchSize}, {result.Provider})");
        return result;
    }

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>Token id to text through the tokenizer of the cache's model; null (ids are printed) when it cannot be resolved.</summary>
    internal static Func<int, string>? Decoder(ActivationCache? cache)
    {
        if (cache is null || string.IsNullOrWhiteSpace(cache.Manifest.Model)) return null;
        try
        {
            var tokenizer = ModelSources.ResolveTokenizer(cache.Manifest.Model);
            return id => tokenizer.IdToToken(id) ?? id.ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
        {
            MLSae.Diagnostics.MLSaeLog.Info($"feature contexts show token ids: the cache's model '{cache.Manifest.Model}' does not resolve here ({e.Message}).");
            return null;
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
