using System.CommandLine;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Runs;
using MLSae.Scoring;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae reorder`: sorts a trained SAE's features by a key computed on activations (post hoc, equivalent SAE).
/// Reads the SAE with <see cref="SaeLoader"/> and the activations with <see cref="ActivationSources"/>; writes a
/// new run folder holding sae.onnx (with the permutation log and original indices in its metadata).
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

    static string Target(string saeDir, string outDir, bool overwrite)
    {
        if (Path.GetFullPath(saeDir) == Path.GetFullPath(outDir))
            throw new ArgumentException($"--out '{outDir}' is the input run folder; write the reordered SAE to a new folder.");
        var target = Path.Combine(outDir, RunFolder.Sae);
        if (File.Exists(target) && !overwrite)
            throw new IOException($"'{target}' exists; pass --overwrite to replace it or choose another --out.");
        return target;
    }

    static int Align(string saeDir, string referencePath, string outDir, bool overwrite)
    {
        try
        {
            var target = Target(saeDir, outDir, overwrite);
            var weights = SaeLoader.Load(saeDir);
            var aligned = SaeFeatureAlignment.AlignTo(weights, SaeLoader.Load(referencePath));
            Directory.CreateDirectory(outDir);
            SaeOnnx.Save(aligned, target);
            int moved = aligned.Info.Permutations[^1].Order.Where((o, j) => o != j).Count();
            Console.Out.WriteLine($"aligned {weights.FeatureCount} features to {referencePath} ({moved} moved) -> {outDir}");
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("reorder", e);
        }
    }

    static int Run(string saeDir, string? activationDir, string byText, string outDir, long maxRows, int seed, bool writeCurves, bool overwrite)
    {
        try
        {
            if (activationDir is null) throw new ArgumentException("--activations is required to compute a sort key (or pass --align-to REF to order by a reference SAE).");
            var key = ParseKey(byText);
            if (maxRows <= 0) throw new ArgumentException($"--max-rows must be positive (got {maxRows}).");
            var target = Target(saeDir, outDir, overwrite);
            var weights = SaeLoader.Load(saeDir);
            var source = ActivationSources.Open(activationDir);
            SaeReorderResult result;
            try
            {
                var options = new SaeReorderOptions { By = key, MaxRows = maxRows, Seed = seed };
                result = ProgressDisplay.Run($"reorder by {byText}", p => SaeFeatureReorder.Reorder(weights, source, options, p));
                Directory.CreateDirectory(outDir);
                SaeOnnx.Save(result.Weights, target);
                if (writeCurves)
                {
                    var list = ProgressDisplay.Run("prefix curves", p => PrefixCurves.CompareOrderings(weights, source, Math.Min(maxRows, 100_000), seed, p));
                    PrefixCurveFile.Write(outDir, list);
                }
            }
            finally
            {
                (source as IDisposable)?.Dispose();
            }
            int moved = result.Order.Where((o, j) => o != j).Count();
            AnsiConsole.MarkupLineInterpolated($"[green]reordered[/] {weights.FeatureCount} features by {byText} ({moved} moved) -> {outDir}");
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("reorder", e);
        }
    }
}
