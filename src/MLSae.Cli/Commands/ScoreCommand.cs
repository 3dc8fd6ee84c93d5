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
        var sae = new Option<string>("--sae") { Description = "The SAE: an ML.NET model zip, an MLSae .onnx file or an SAELens folder.", Required = true };
        var activations = new Option<string?>("--activations") { Description = "An activation-cache folder to score." };
        var data = new Option<string?>("--data") { Description = "A .safetensors file with one [rows, d] float tensor to score." };
        var output = new Option<string>("--out") { Description = "Output file: .parquet for Parquet, anything else CSV.", Required = true };
        var topK = new Option<int>("--top-k") { Description = "Write the k largest features per token (dense top-k); 0 writes every non-zero feature (sparse).", DefaultValueFactory = _ => SaeScorerDefaults.TopK };
        var batch = new Option<int>("--batch-size") { Description = "Rows per ONNX Runtime run.", DefaultValueFactory = _ => SaeScorerDefaults.BatchSize };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output file if it exists." };
        var cpu = new Option<bool>("--cpu") { Description = "Do not try CUDA." };
        var engine = new Option<ScoringEngine>("--engine") { Description = "OnnxRuntime (batched, fast) or MLNet (ML.NET Model.Load of a zip, one row per run; for checking compatibility).", DefaultValueFactory = _ => ScoringEngine.OnnxRuntime };

        var command = new Command("score", "Score activations with a saved SAE and write the codes to Parquet or CSV.")
        {
            sae, activations, data, output, topK, batch, overwrite, cpu, engine,
        };
        command.SetAction(parse =>
        {
            var activationPath = parse.GetValue(activations);
            var dataPath = parse.GetValue(data);
            if ((activationPath is null) == (dataPath is null))
            {
                AnsiConsole.MarkupLine("[red]error[/]: pass exactly one of --activations DIR or --data FILE.");
                return 2;
            }
            try
            {
                var options = new SaeScorerOptions
                {
                    TopK = parse.GetValue(topK),
                    BatchSize = parse.GetValue(batch),
                    Overwrite = parse.GetValue(overwrite),
                    Engine = parse.GetValue(engine),
                    Execution = new OnnxExecutionOptions { PreferCuda = !parse.GetValue(cpu) },
                };
                var outPath = parse.GetValue(output)!;
                if (File.Exists(outPath) && !options.Overwrite)
                    throw new IOException($"Output file '{outPath}' already exists. Choose another path or pass --overwrite.");
                IActivationSource source = ActivationSources.Open((activationPath ?? dataPath)!);
                using var scorer = SaeScorer.Open(parse.GetValue(sae)!, options);
                var summary = ProgressDisplay.Run("scoring", progress => scorer.Score(source, outPath, progress));
                double rate = summary.Rows / Math.Max(1e-9, summary.Elapsed.TotalSeconds);
                AnsiConsole.MarkupLineInterpolated(
                    $"[green]scored[/] {summary.Rows:N0} rows (d = {scorer.Weights.InputDim}, m = {scorer.Weights.FeatureCount}) on {(options.Engine == ScoringEngine.MLNet ? "ML.NET" : summary.Provider)} in {summary.Elapsed.TotalSeconds:F2} s ({rate:N0} rows/s); mean L0 {summary.MeanL0:F1}; {summary.EntriesWritten:N0} entries -> {outPath}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or NotSupportedException or UnauthorizedAccessException or KeyNotFoundException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error[/]: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
