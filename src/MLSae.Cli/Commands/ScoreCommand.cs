using System.CommandLine;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Onnx;
using MLSae.Scoring;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae score`: encode activations with a saved SAE (zip, .onnx or SAELens folder) into a Parquet or CSV file.</summary>
static class ScoreCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: training run folder, .onnx, ML.NET model zip, SAELens folder or sparsify folder.", Required = true };
        var activations = new Option<string?>("--activations") { Description = "An activation-cache folder to score." };
        var data = new Option<string?>("--data") { Description = "A .safetensors file with one [rows, d] float tensor to score." };
        var text = new Option<string?>("--text") { Description = "A text corpus (.txt, .jsonl, .csv, .parquet or a folder) to extract and score in one go." };
        var textField = new Option<string>("--text-field") { Description = "Field/column with the text (with --text).", DefaultValueFactory = _ => "text" };
        var model = new Option<string?>("--model") { Description = "Model for --text (default: the model the SAE was trained on, from its metadata)." };
        var hook = new Option<string?>("--hook") { Description = "Hook for --text (default: the SAE's hook, from its metadata)." };
        var maxTokens = new Option<long>("--max-tokens") { Description = "With --text: stop after this many tokens (0: whole corpus).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Output file: .parquet for Parquet, anything else CSV.", Required = true };
        var topK = new Option<int>("--top-k") { Description = "Write the k largest features per token (dense top-k); 0 writes every non-zero feature (sparse).", DefaultValueFactory = _ => SaeScorerDefaults.TopK };
        var batch = new Option<int>("--batch-size") { Description = "Rows per ONNX Runtime run.", DefaultValueFactory = _ => SaeScorerDefaults.BatchSize };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output file if it exists." };
        var cpu = new Option<bool>("--cpu") { Description = "Do not try CUDA." };
        var keep = new Option<int>("--keep") { Description = "Score with only the first N features of the SAE's order (prefix deployment; see `mlsae reorder --prefix-curves`); 0: all.", DefaultValueFactory = _ => 0 };
        var engine = new Option<ScoringEngine>("--engine") { Description = "OnnxRuntime (batched, fast) or MLNet (ML.NET Model.Load of a zip, one row per run; for checking compatibility).", DefaultValueFactory = _ => ScoringEngine.OnnxRuntime };

        var command = new Command("score", "Score activations with a saved SAE and write the codes to Parquet or CSV.")
        {
            sae, activations, data, text, textField, model, hook, maxTokens, output, topK, batch, overwrite, cpu, engine, keep,
        };
        command.SetAction(parse =>
        {
            var activationPath = parse.GetValue(activations);
            var dataPath = parse.GetValue(data);
            var textPath = parse.GetValue(text);
            if (new[] { activationPath, dataPath, textPath }.Count(p => p is not null) != 1)
            {
                return CliErrors.Usage("score", "pass exactly one of --activations DIR, --data FILE.safetensors or --text CORPUS.");
            }
            if (parse.GetValue(topK) < 0) return CliErrors.Usage("score", $"--top-k must be 0 (every non-zero feature) or positive (got {parse.GetValue(topK)}).");
            if (parse.GetValue(batch) <= 0) return CliErrors.Usage("score", $"--batch-size must be positive (got {parse.GetValue(batch)}).");
            try
            {
                var options = new SaeScorerOptions
                {
                    TopK = parse.GetValue(topK),
                    BatchSize = parse.GetValue(batch),
                    Overwrite = parse.GetValue(overwrite),
                    Engine = parse.GetValue(engine),
                    KeepFeatures = parse.GetValue(keep),
                    Execution = new OnnxExecutionOptions { PreferCuda = !parse.GetValue(cpu) },
                };
                var outPath = parse.GetValue(output)!;
                if (File.Exists(outPath) && !options.Overwrite)
                    throw new IOException($"Output file '{outPath}' already exists. Choose another path or pass --overwrite.");
                using var scorer = SaeScorer.Open(parse.GetValue(sae)!, options);
                var summary = textPath is null
                    ? ProgressDisplay.Run("scoring", progress => scorer.Score(ActivationSources.Open((activationPath ?? dataPath)!), outPath, progress))
                    : ScoreText(scorer, textPath, parse.GetValue(textField)!, parse.GetValue(model), parse.GetValue(hook), parse.GetValue(maxTokens), !parse.GetValue(cpu), outPath);
                double rate = summary.Rows / Math.Max(1e-9, summary.Elapsed.TotalSeconds);
                AnsiConsole.MarkupLineInterpolated(
                    $"[green]scored[/] {summary.Rows:N0} rows (d = {scorer.Weights.InputDim}, m = {scorer.Weights.FeatureCount}) on {(options.Engine == ScoringEngine.MLNet ? "ML.NET" : summary.Provider)} in {summary.Elapsed.TotalSeconds:F2} s ({rate:N0} rows/s); mean L0 {summary.MeanL0:F1}; {summary.EntriesWritten:N0} entries -> {outPath}");
                return 0;
            }
            catch (Exception e)
            {
                return CliErrors.Fail("score", e);
            }
        });
        return command;
    }

    /// <summary>--text: the model and hook default to the ones recorded in the SAE at training time.</summary>
    static ScoreSummary ScoreText(SaeScorer scorer, string corpus, string textField, string? modelSpec, string? hook, long maxTokens, bool preferCuda, string outPath)
    {
        modelSpec ??= scorer.Weights.Info.ModelName
            ?? throw new ArgumentException("The SAE does not record which model it was trained on; pass --model.");
        hook ??= scorer.Weights.Info.HookName
            ?? throw new ArgumentException("The SAE does not record which hook it was trained on; pass --hook.");
        var transformer = ModelSources.Resolve(modelSpec);
        var extraction = new ExtractionOptions { MaxTokens = maxTokens, Execution = new OnnxExecutionOptions { PreferCuda = preferCuda } };
        AnsiConsole.MarkupLineInterpolated($"extracting {transformer.Name} {hook} from {corpus}, then scoring");
        return ProgressDisplay.Run("extract + score", progress =>
            scorer.ScoreText(transformer, hook, CorpusReader.Read(corpus, textField), outPath, extraction, progress));
    }
}
