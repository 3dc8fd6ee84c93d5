using System.CommandLine;
using MLSae.Cli.Rendering;
using MLSae.Ordering;
using MLSae.Runs;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae reorder`: sorts a trained SAE's features by a key computed on activations (post hoc, equivalent SAE), or
/// aligns them to a reference SAE, through <see cref="ReorderRun"/>; this command parses the flags and prints the result.
/// </summary>
static class ReorderCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: training run folder, .onnx, ML.NET model zip, SAELens folder or sparsify folder.", Required = true };
        var activations = new Option<string?>("--activations") { Description = "Activation cache folder (or .safetensors [rows, d]) to compute the sort key on (not needed with --align-to)." };
        var alignTo = new Option<string?>("--align-to") { Description = "Instead of a key: permute features to best match this reference SAE's (same d and m), so retrained SAEs keep stable feature ids." };
        var by = new Option<string>("--by") { Description = "Sort key: frequency, mean-activation, importance, random or original.", DefaultValueFactory = _ => "frequency" };
        var output = new Option<string>("--out") { Description = "Run folder to write the reordered SAE to.", Required = true };
        var maxRows = new Option<long>("--max-rows") { Description = "Activation rows read for the key.", DefaultValueFactory = _ => SaeReorderDefaults.MaxRows };
        var seed = new Option<int>("--seed") { Description = "Seed for --by random.", DefaultValueFactory = _ => SaeReorderDefaults.Seed };
        var curves = new Option<bool>("--prefix-curves") { Description = "Also write prefix_curves.csv comparing original, frequency, mean-activation, importance and random orders." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an SAE already in --out." };
        var command = new Command("reorder", "Reorder a trained SAE's features by activation frequency (or another key); the result reconstructs exactly as before.")
        {
            sae, activations, alignTo, by, output, maxRows, seed, curves, overwrite,
        };
        command.SetAction(parse => parse.GetValue(alignTo) is { } reference
            ? Align(parse.GetValue(sae)!, reference, parse.GetValue(output)!, parse.GetValue(overwrite))
            : Run(parse.GetValue(sae)!, parse.GetValue(activations), parse.GetValue(by)!, parse.GetValue(output)!,
                parse.GetValue(maxRows), parse.GetValue(seed), parse.GetValue(curves), parse.GetValue(overwrite)));
        return command;
    }

    /// <summary>Parses a --by value.</summary>
    public static FeatureOrderKey ParseKey(string text) => text.Trim().ToLowerInvariant().Replace("_", "-") switch
    {
        "frequency" or "freq" => FeatureOrderKey.Frequency,
        "mean-activation" or "mean" => FeatureOrderKey.MeanActivation,
        "importance" => FeatureOrderKey.Importance,
        "random" => FeatureOrderKey.Random,
        "original" or "none" => FeatureOrderKey.Original,
        _ => throw new ArgumentException($"--by '{text}' is not a sort key; use frequency, mean-activation, importance, random or original."),
    };

    static int Align(string saeDir, string referencePath, string outDir, bool overwrite) => CliErrors.Guard("reorder", () =>
    {
        var aligned = ReorderRun.Align(saeDir, referencePath, outDir, overwrite);
        int moved = aligned.Info.Permutations[^1].Order.Where((o, j) => o != j).Count();
        Console.Out.WriteLine($"aligned {aligned.FeatureCount} features to {referencePath} ({moved} moved) -> {outDir}");
        return 0;
    });

    static int Run(string saeDir, string? activationDir, string byText, string outDir, long maxRows, int seed, bool writeCurves, bool overwrite) => CliErrors.Guard("reorder", () =>
    {
        if (activationDir is null) throw new ArgumentException("--activations is required to compute a sort key (or pass --align-to REF to order by a reference SAE).");
        var options = new ReorderRunOptions
        {
            Reorder = new SaeReorderOptions { By = ParseKey(byText), MaxRows = maxRows, Seed = seed },
            PrefixCurves = writeCurves, Overwrite = overwrite,
        };
        var result = ReorderRun.Reorder(saeDir, activationDir, outDir, options, new ConsoleRunProgress());
        int moved = result.Order.Where((o, j) => o != j).Count();
        AnsiConsole.MarkupLineInterpolated($"[green]reordered[/] {result.Weights.FeatureCount} features by {byText} ({moved} moved) -> {outDir}");
        return 0;
    });
}
