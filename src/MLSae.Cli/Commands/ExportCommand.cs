using System.CommandLine;
using MLSae.Cli.Rendering;
using MLSae.Persistence.Export;
using MLSae.Scoring;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae export`: writes a saved SAE (any form <see cref="SaeLoader"/> reads) as an SAELens folder, a sparsify save
/// directory, an MLSae ONNX file or an ML.NET model zip, through <see cref="SaeExporter"/> (atomic, nothing half-written).
/// </summary>
static class ExportCommand
{
    /// <summary>The --format values, as typed.</summary>
    public static readonly IReadOnlyList<string> Formats = ["saelens", "sparsify", "onnx", "mlnet"];

    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: training run folder, .onnx, ML.NET model zip, SAELens folder or sparsify folder.", Required = true };
        var format = new Option<string>("--format") { Description = "Output format: saelens, sparsify (TopK SAEs only), onnx or mlnet.", Required = true };
        format.AcceptOnlyFromAmong([.. Formats]);
        var output = new Option<string>("--out") { Description = "Output: a folder for saelens and sparsify (sparsify writes OUT/HOOKPOINT/), a file for onnx and mlnet.", Required = true };
        var hookPoint = new Option<string?>("--hookpoint") { Description = "sparsify: the hook-point folder name (default: the SAE's hook name)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace --out if it exists (only once the new output is complete)." };
        var command = new Command("export", "Write a saved SAE in the formats SAELens, sparsify, ONNX Runtime and ML.NET read.")
        {
            sae, format, output, hookPoint, overwrite,
        };
        command.SetAction(parse => Run(parse.GetValue(sae)!, parse.GetValue(format)!, parse.GetValue(output)!, parse.GetValue(hookPoint), parse.GetValue(overwrite)));
        return command;
    }

    /// <summary>Runs the export; 0 on success, 1 with an error on standard error naming the bad input.</summary>
    public static int Run(string saePath, string formatText, string outPath, string? hookPoint = null, bool overwrite = false)
    {
        try
        {
            var format = formatText.ToLowerInvariant() switch
            {
                "saelens" => SaeExportFormat.SaeLens,
                "sparsify" => SaeExportFormat.Sparsify,
                "onnx" => SaeExportFormat.Onnx,
                "mlnet" => SaeExportFormat.MLNet,
                _ => throw new ArgumentException($"--format '{formatText}' is not one of: {string.Join(", ", Formats)}."),
            };
            var weights = SaeLoader.Load(saePath);
            SaeExporter.Export(weights, format, outPath, new SaeExportOptions { Overwrite = overwrite, HookPoint = hookPoint });
            Console.WriteLine($"exported {weights.Architecture} SAE (d = {weights.InputDim}, m = {weights.FeatureCount}) from {saePath} as {formatText} -> {outPath}");
            return 0;
        }
        catch (Exception e)
        {
            // Library messages name SaeExportOptions properties ("SaeExportOptions.Overwrite (--overwrite)"); CliErrors keeps the flag.
            return CliErrors.Fail("export", e);
        }
    }
}
