using System.Globalization;
using System.Text.Json;
using CsvHelper;
using MLSae.Persistence;
using MLSae.Scoring;
using MLSae.Training;

namespace MLSae.Runs.Experiments;

/// <summary>What one run x seed produced, read back from its folder.</summary>
/// <param name="Seed">The seed.</param>
/// <param name="Directory">The run folder.</param>
/// <param name="Metrics">eval.json's metrics by SAEBench name (l0, mse, explained_variance, ...) plus final_loss and reorders.</param>
/// <param name="Frequencies">Per-feature firing frequency on the held-out rows (eval.json's feature_density).</param>
/// <param name="ReorderSteps">Steps at which features were reordered during training.</param>
/// <param name="PrefixCurves">prefix_curves.csv, empty when not computed.</param>
public sealed record SeedResult(int Seed, string Directory, IReadOnlyDictionary<string, double> Metrics, float[] Frequencies,
    IReadOnlyList<long> ReorderSteps, IReadOnlyList<PrefixCurveRow> PrefixCurves);

/// <summary>A run and its per-seed results, seeds in the experiment's order.</summary>
/// <param name="Run">The run.</param>
/// <param name="Seeds">One result per seed.</param>
public sealed record RunResults(ExperimentRun Run, IReadOnlyList<SeedResult> Seeds);

/// <summary>Reads run folders back (the report always reads the files, so it matches eval.json exactly).</summary>
internal static class ExperimentResults
{
    /// <summary>Training loss averaged over the last 10% of metrics.csv rows (at least one row).</summary>
    public const string FinalLoss = "final_loss";
    /// <summary>Number of reorders applied during training.</summary>
    public const string Reorders = "reorders";

    /// <summary>Reads a finished run folder.</summary>
    public static SeedResult ReadSeed(string runDirectory, int seed)
    {
        var metrics = new Dictionary<string, double>(ReadEvalMetrics(Path.Combine(runDirectory, RunFolder.Eval), out var frequencies));
        var csv = Path.Combine(runDirectory, RunFolder.Metrics);
        if (File.Exists(csv) && ReadFinalLoss(csv) is { } loss) metrics[FinalLoss] = loss;
        var info = SaeLoader.Load(runDirectory).Info;
        metrics[Reorders] = info.Permutations.Count;
        return new SeedResult(seed, runDirectory, metrics, frequencies, info.Permutations.Select(p => p.Step).ToList(),
            PrefixCurveFile.Read(runDirectory));
    }

    /// <summary>
    /// Every number under eval_result_metrics of an eval.json, by its own name (groups flattened; null values,
    /// the density histogram and per-task probing entries skipped), and the per-feature densities.
    /// </summary>
    public static IReadOnlyDictionary<string, double> ReadEvalMetrics(string evalJsonPath, out float[] frequencies)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(evalJsonPath));
        var result = new Dictionary<string, double>();
        if (doc.RootElement.TryGetProperty("eval_result_metrics", out var groups))
            Flatten(groups, result);
        var density = new List<float>();
        if (doc.RootElement.TryGetProperty("eval_result_details", out var details) && details.ValueKind == JsonValueKind.Array)
            foreach (var d in details.EnumerateArray())
                density.Add(d.TryGetProperty("feature_density", out var f) && f.ValueKind == JsonValueKind.Number ? (float)f.GetDouble() : 0f);
        frequencies = [.. density];
        return result;
    }

    static void Flatten(JsonElement element, Dictionary<string, double> into)
    {
        foreach (var p in element.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Number) into.TryAdd(p.Name, p.Value.GetDouble());
            else if (p.Value.ValueKind == JsonValueKind.Object && p.Name != "feature_density_histogram_log10") Flatten(p.Value, into);
        }
    }

    /// <summary>Mean loss of the last 10% of rows (at least one); null when the file has no rows.</summary>
    public static double? ReadFinalLoss(string metricsCsv)
    {
        using var reader = new StreamReader(metricsCsv);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var losses = csv.GetRecords<TrainingMetrics>().Select(r => r.Loss).ToList();
        if (losses.Count == 0) return null;
        int tail = Math.Max(1, (int)Math.Ceiling(losses.Count * 0.1));
        return losses.Skip(losses.Count - tail).Average();
    }
}
