using System.Globalization;
using System.Text;
using MLSae.Persistence;
using MLSae.Reporting.Plots;

namespace MLSae.Reporting.Reports;

/// <summary>One run of an experiment with its metrics per seed.</summary>
/// <param name="Name">Run name, e.g. "run1-once-1000".</param>
/// <param name="Control">Name of the run it is compared with (e.g. its no-reorder twin); null for none.</param>
/// <param name="PerSeed">Metric name to one value per seed.</param>
public sealed record RunResult(string Name, string? Control, IReadOnlyDictionary<string, IReadOnlyList<double>> PerSeed);

/// <summary>Writes report.md: a metrics table (mean ± std over seeds), differences from controls with a verdict, and plots.</summary>
public static class ExperimentReportWriter
{
    /// <summary>Metrics shown in the table, in order, when present.</summary>
    public static readonly IReadOnlyList<string> TableMetrics =
        ["final_loss", "explained_variance", "mse", "cossim", "l0", "l1", "frac_alive", "kl_div_score", "ce_loss_score", "embedding_preservation_score"];

    /// <summary>Builds the markdown.</summary>
    public static string Render(string title, IReadOnlyList<RunResult> runs, IReadOnlyList<string> plotFiles, string? notes = null)
    {
        var metrics = TableMetrics.Where(m => runs.Any(r => r.PerSeed.ContainsKey(m))).ToList();
        var summaries = runs.ToDictionary(r => r.Name, r => r.PerSeed.ToDictionary(kv => kv.Key, kv => SeedStatistics.Summarize(kv.Value)));
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}").AppendLine();
        if (notes is not null) sb.AppendLine(notes).AppendLine();

        sb.AppendLine("## Metrics (mean ± std over seeds)").AppendLine();
        sb.AppendLine("| run | seeds | " + string.Join(" | ", metrics) + " |");
        sb.AppendLine("| --- | --- | " + string.Join(" | ", metrics.Select(_ => "---")) + " |");
        foreach (var r in runs)
        {
            int seeds = r.PerSeed.Values.Select(v => v.Count).DefaultIfEmpty(0).Max();
            var cells = metrics.Select(m => summaries[r.Name].TryGetValue(m, out var s) ? Format(s) : "");
            sb.AppendLine($"| {r.Name} | {seeds} | " + string.Join(" | ", cells) + " |");
        }
        sb.AppendLine();

        var compared = runs.Where(r => r.Control is not null && summaries.ContainsKey(r.Control)).ToList();
        if (compared.Count > 0)
        {
            sb.AppendLine("## Differences from controls").AppendLine();
            sb.AppendLine("Difference = run mean − control mean. It is called larger than seed-to-seed spread when it exceeds twice its standard error √(s₁²/n₁ + s₂²/n₂); with one seed there is no spread to judge by, so no difference is called real.").AppendLine();
            sb.AppendLine("| run | control | metric | difference | std. error | reading |");
            sb.AppendLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var r in compared)
                foreach (var m in metrics)
                {
                    if (!summaries[r.Name].TryGetValue(m, out var a) || !summaries[r.Control!].TryGetValue(m, out var b)) continue;
                    var c = SeedStatistics.Compare(a, b);
                    sb.AppendLine($"| {r.Name} | {r.Control} | {m} | {Num(c.Difference)} | {Num(c.StandardError)} | {Reading(c.Verdict)} |");
                }
            sb.AppendLine();
        }

        if (plotFiles.Count > 0)
        {
            sb.AppendLine("## Plots").AppendLine();
            foreach (var p in plotFiles)
                sb.AppendLine($"![{Path.GetFileNameWithoutExtension(p)}]({p.Replace('\\', '/')})").AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>Writes <see cref="Render"/>'s output to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, string title, IReadOnlyList<RunResult> runs, IReadOnlyList<string> plotFiles, string? notes = null) =>
        AtomicFile.WriteAllText(path, Render(title, runs, plotFiles, notes));

    static string Reading(Verdict v) => v switch
    {
        Verdict.BeyondSpread => "larger than seed spread",
        Verdict.WithinSpread => "within seed spread",
        _ => "one seed: cannot judge",
    };

    static string Format(MeanStd s) => s.Count > 1 ? $"{Num(s.Mean)} ± {Num(s.Std)}" : Num(s.Mean);

    static string Num(double v) => double.IsNaN(v) ? "n/a"
        : Math.Abs(v) >= 100 ? v.ToString("F1", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 0.01 || v == 0 ? v.ToString("F4", CultureInfo.InvariantCulture)
        : v.ToString("E2", CultureInfo.InvariantCulture);
}
