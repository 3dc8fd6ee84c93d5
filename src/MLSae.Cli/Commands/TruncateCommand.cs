using System.CommandLine;
using MLSae.Cli.Rendering;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Scoring;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae truncate --sae RUN --keep N --out DIR`: the first N features of an SAE as a smaller SAE (prefix deployment;
/// `mlsae reorder --prefix-curves` says what each N costs).
/// </summary>
static class TruncateCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: training run folder, .onnx, ML.NET model zip, SAELens folder or sparsify folder.", Required = true };
        var keep = new Option<int>("--keep") { Description = "Features to keep: the first N of the SAE's current order.", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder to write the smaller SAE to (sae.onnx).", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an SAE already in --out." };
        var command = new Command("truncate", "Keep the first N features of an SAE (after ordering them) as a smaller SAE.") { sae, keep, output, overwrite };
        command.SetAction(parse => Run(parse.GetValue(sae)!, parse.GetValue(keep), parse.GetValue(output)!, parse.GetValue(overwrite)));
        return command;
    }

    static int Run(string saePath, int keep, string outDir, bool overwrite)
    {
        try
        {
            var target = Path.Combine(outDir, RunFolder.Sae);
            if (Path.GetFullPath(saePath) == Path.GetFullPath(outDir))
                throw new ArgumentException($"--out '{outDir}' is the input run folder; write the truncated SAE to a new folder.");
            if (File.Exists(target) && !overwrite)
                throw new IOException($"'{target}' exists; pass --overwrite to replace it or choose another --out.");
            var weights = SaeLoader.Load(saePath);
            if (keep <= 0 || keep > weights.FeatureCount)
                throw new ArgumentException($"--keep must be between 1 and the SAE's {weights.FeatureCount} features (got {keep}).");
            var prefix = SaeFeatureAlignment.KeepPrefix(weights, keep);
            Directory.CreateDirectory(outDir);
            SaeOnnx.Save(prefix, target);
            Console.Out.WriteLine($"kept the first {keep} of {weights.FeatureCount} features -> {target}");
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("truncate", e);
        }
    }
}
