using System.CommandLine;
using System.Globalization;
using System.Text;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// Where `mlsae reorder` loads and saves SAEs and opens activation caches. The SAE file format and the activation
/// cache live on other branches: the lead wires the real implementation in <see cref="ReorderCommand.Io"/>.
/// </summary>
interface IReorderCommandIo
{
    /// <summary>Loads the SAE of run folder <paramref name="runDirectory"/>.</summary>
    SaeWeights LoadSae(string runDirectory);

    /// <summary>Opens the activation cache in <paramref name="directory"/>.</summary>
    IActivationSource OpenActivations(string directory);

    /// <summary>Writes <paramref name="weights"/> as a run folder <paramref name="outDirectory"/>, copying what else of <paramref name="sourceRunDirectory"/> applies.</summary>
    void SaveSae(SaeWeights weights, string sourceRunDirectory, string outDirectory);
}

/// <summary>`mlsae reorder`: sorts a trained SAE's features by a key computed on activations (post hoc, equivalent SAE).</summary>
static class ReorderCommand
{
    /// <summary>The persistence wiring point (see <see cref="IReorderCommandIo"/>); until wired, the command explains it cannot run.</summary>
    public static IReorderCommandIo Io { get; set; } = new NotWiredIo();

    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "Run folder of the trained SAE.", Required = true };
        var activations = new Option<string>("--activations") { Description = "Activation cache folder to compute the sort key on.", Required = true };
        var by = new Option<string>("--by") { Description = "Sort key: frequency, mean-activation, importance, random or original.", DefaultValueFactory = _ => "frequency" };
        var output = new Option<string>("--out") { Description = "Run folder to write the reordered SAE to.", Required = true };
        var maxRows = new Option<long>("--max-rows") { Description = "Activation rows read for the key.", DefaultValueFactory = _ => SaeReorderDefaults.MaxRows };
        var seed = new Option<int>("--seed") { Description = "Seed for --by random.", DefaultValueFactory = _ => SaeReorderDefaults.Seed };
        var curves = new Option<bool>("--prefix-curves") { Description = "Also write prefix_curves.csv comparing original, frequency, mean-activation, importance and random orders." };
        var command = new Command("reorder", "Reorder a trained SAE's features by activation frequency (or another key); the result reconstructs exactly as before.")
        {
            sae, activations, by, output, maxRows, seed, curves,
        };
        command.SetAction(parse => Run(parse.GetValue(sae)!, parse.GetValue(activations)!, parse.GetValue(by)!, parse.GetValue(output)!,
            parse.GetValue(maxRows), parse.GetValue(seed), parse.GetValue(curves)));
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

    static int Run(string saeDir, string activationDir, string byText, string outDir, long maxRows, int seed, bool writeCurves)
    {
        try
        {
            var key = ParseKey(byText);
            if (maxRows <= 0) throw new ArgumentException($"--max-rows must be positive (got {maxRows}).");
            if (Path.GetFullPath(saeDir) == Path.GetFullPath(outDir))
                throw new ArgumentException($"--out '{outDir}' is the input run folder; write the reordered SAE to a new folder.");
            var weights = Io.LoadSae(saeDir);
            var source = Io.OpenActivations(activationDir);
            var options = new SaeReorderOptions { By = key, MaxRows = maxRows, Seed = seed };
            var result = ProgressDisplay.Run($"reorder by {byText}", p => SaeFeatureReorder.Reorder(weights, source, options, p));
            Io.SaveSae(result.Weights, saeDir, outDir);
            if (writeCurves)
            {
                var list = ProgressDisplay.Run("prefix curves", p => PrefixCurves.CompareOrderings(weights, source, Math.Min(maxRows, 100_000), seed, p));
                AtomicFile.WriteAllText(Path.Combine(outDir, "prefix_curves.csv"), ToCsv(list));
            }
            int moved = result.Order.Where((o, j) => o != j).Count();
            AnsiConsole.MarkupLineInterpolated($"[green]reordered[/] {weights.FeatureCount} features by {byText} ({moved} moved) -> {outDir}");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/]: {e.Message}");
            return 1;
        }
    }

    /// <summary>ordering,features,mse,explained_variance rows (invariant culture).</summary>
    public static string ToCsv(IReadOnlyList<PrefixCurve> curves)
    {
        var sb = new StringBuilder("ordering,features,mse,explained_variance\n");
        foreach (var c in curves)
            foreach (var p in c.Points)
                sb.Append(CultureInfo.InvariantCulture, $"{c.Name},{p.Features},{p.Mse:R},{p.ExplainedVariance:R}\n");
        return sb.ToString();
    }

    sealed class NotWiredIo : IReorderCommandIo
    {
        const string Message = "`mlsae reorder` is not wired to the SAE file format / activation cache in this build (ReorderCommand.Io). " +
                               "Use MLSae.Ordering.SaeFeatureReorder.Reorder from code meanwhile.";
        public SaeWeights LoadSae(string runDirectory) => throw new NotSupportedException(Message);
        public IActivationSource OpenActivations(string directory) => throw new NotSupportedException(Message);
        public void SaveSae(SaeWeights weights, string sourceRunDirectory, string outDirectory) => throw new NotSupportedException(Message);
    }
}
