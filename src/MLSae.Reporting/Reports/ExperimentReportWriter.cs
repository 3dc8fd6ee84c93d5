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

/// <summary>A plot embedded in a report.</summary>
/// <param name="File">Path relative to the report (forward slashes are written).</param>
/// <param name="Title">Heading above the image.</param>
/// <param name="Caption">How to read it (markdown), below the heading.</param>
public sealed record ReportPlot(string File, string Title, string? Caption = null);

/// <summary>Everything report.md shows.</summary>
public sealed record ExperimentReportContent
{
    /// <summary>The report's title.</summary>
    public required string Title { get; init; }
    /// <summary>Runs in table order.</summary>
    public required IReadOnlyList<RunResult> Runs { get; init; }
    /// <summary>Plots, in order.</summary>
    public IReadOnlyList<ReportPlot> Plots { get; init; } = [];
    /// <summary>Markdown after the title (setup, run list).</summary>
    public string? Introduction { get; init; }
    /// <summary>Markdown after the differences (how to read them).</summary>
    public string? Reading { get; init; }
    /// <summary>Table columns; null: the <see cref="ExperimentReportWriter.TableMetrics"/> any run has.</summary>
    public IReadOnlyList<string>? Metrics { get; init; }
    /// <summary>Columns of the differences table; null: the same as the metrics table.</summary>
    public IReadOnlyList<string>? DifferenceMetrics { get; init; }
}

/// <summary>
/// Writes report.md: a metrics table (mean ± std over seeds), each run's differences from its control with
/// their standard errors (bold when larger than twice the standard error), a reading, and the plots.
/// </summary>
public static class ExperimentReportWriter
{
    /// <summary>Metrics shown in the table, in order, when present.</summary>
    public static readonly IReadOnlyList<string> TableMetrics =
        ["final_loss", "explained_variance", "mse", "cossim", "l0", "l1", "frac_alive", "kl_div_score", "ce_loss_score", "embedding_preservation_score"];

    /// <summary>Builds the markdown (title, notes, tables, plots with their file names as titles).</summary>
    public static string Render(string title, IReadOnlyList<RunResult> runs, IReadOnlyList<string> plotFiles, string? notes = null) =>
        Render(new ExperimentReportContent
        {
            Title = title, Runs = runs, Introduction = notes,
            Plots = plotFiles.Select(p => new ReportPlot(p, Path.GetFileNameWithoutExtension(p))).ToList(),
        });

    /// <summary>Builds the markdown of <paramref name="content"/>.</summary>
    public static string Render(ExperimentReportContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var runs = content.Runs;
        var metrics = (content.Metrics ?? TableMetrics).Where(m => runs.Any(r => r.PerSeed.ContainsKey(m))).ToList();
        var diffMetrics = (content.DifferenceMetrics ?? metrics).Where(m => runs.Any(r => r.PerSeed.ContainsKey(m))).ToList();
        var summaries = runs.ToDictionary(r => r.Name, r => r.PerSeed.ToDictionary(kv => kv.Key, kv => SeedStatistics.Summarize(kv.Value)));
        var sb = new StringBuilder();
        sb.AppendLine($"# {content.Title}").AppendLine();
        if (content.Introduction is not null) sb.AppendLine(content.Introduction.TrimEnd()).AppendLine();

        sb.AppendLine("## Metrics (mean ± std over seeds)").AppendLine();
        sb.AppendLine("| run | seeds | " + string.Join(" | ", metrics) + " |");
        sb.AppendLine("| --- | ---: | " + string.Join(" | ", metrics.Select(_ => "---:")) + " |");
        foreach (var r in runs)
        {
            int seeds = r.PerSeed.Values.Select(v => v.Count).DefaultIfEmpty(0).Max();
            var cells = metrics.Select(m => summaries[r.Name].TryGetValue(m, out var s) ? Format(s) : "");
            sb.AppendLine($"| {r.Name} | {seeds} | " + string.Join(" | ", cells) + " |");
        }
        sb.AppendLine();

        var compared = runs.Where(r => r.Control is not null && summaries.ContainsKey(r.Control)).ToList();
        if (compared.Count > 0 && diffMetrics.Count > 0)
        {
            sb.AppendLine("## Differences from controls").AppendLine();
            sb.AppendLine("Each cell is run mean − control mean ± the standard error of that difference, √(s₁²/n₁ + s₂²/n₂). " +
                "**Bold**: the difference is larger than twice its standard error, i.e. larger than seed-to-seed spread. " +
                "With one seed there is no spread to judge by and nothing is called larger.").AppendLine();
            sb.AppendLine("| run | control | " + string.Join(" | ", diffMetrics.Select(m => $"Δ {m}")) + " | beyond spread |");
            sb.AppendLine("| --- | --- | " + string.Join(" | ", diffMetrics.Select(_ => "---:")) + " | ---: |");
            foreach (var r in compared)
            {
                int beyond = 0, judged = 0;
                var cells = new List<string>();
                foreach (var m in diffMetrics)
                {
                    if (!summaries[r.Name].TryGetValue(m, out var a) || !summaries[r.Control!].TryGetValue(m, out var b) || double.IsNaN(a.Mean) || double.IsNaN(b.Mean))
                    {
                        cells.Add("");
                        continue;
                    }
                    var c = SeedStatistics.Compare(a, b);
                    if (c.Verdict != Verdict.NoSpreadEstimate) judged++;
                    if (c.Verdict == Verdict.BeyondSpread) beyond++;
                    cells.Add(DifferenceCell(c));
                }
                sb.AppendLine($"| {r.Name} | {r.Control} | {string.Join(" | ", cells)} | {beyond} of {judged} |");
            }
            sb.AppendLine();
        }
        if (content.Reading is not null) sb.AppendLine(content.Reading.TrimEnd()).AppendLine();

        if (content.Plots.Count > 0)
        {
            sb.AppendLine("## Plots").AppendLine();
            foreach (var p in content.Plots)
            {
                sb.AppendLine($"### {p.Title}").AppendLine();
                if (p.Caption is not null) sb.AppendLine(p.Caption.TrimEnd()).AppendLine();
                sb.AppendLine($"![{Path.GetFileNameWithoutExtension(p.File)}]({p.File.Replace('\\', '/')})").AppendLine();
            }
        }
        return sb.ToString();
    }

    /// <summary>Writes <see cref="Render(string, IReadOnlyList{RunResult}, IReadOnlyList{string}, string?)"/>'s output to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, string title, IReadOnlyList<RunResult> runs, IReadOnlyList<string> plotFiles, string? notes = null) =>
        AtomicFile.WriteAllText(path, Render(title, runs, plotFiles, notes));

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ExperimentReportContent content) => AtomicFile.WriteAllText(path, Render(content));

    /// <summary>"+0.0123 ± 0.0040", bold when beyond the spread, "(one seed)" without a spread.</summary>
    public static string DifferenceCell(Comparison c)
    {
        var diff = (c.Difference >= 0 ? "+" : "") + Num(c.Difference);
        return c.Verdict switch
        {
            Verdict.NoSpreadEstimate => $"{diff} (one seed)",
            Verdict.BeyondSpread => $"**{diff} ± {Num(c.StandardError)}**",
            _ => $"{diff} ± {Num(c.StandardError)}",
        };
    }

    /// <summary>Mean ± std with more than one seed, else the mean; a count that is the same whole number in every seed prints as that number.</summary>
    public static string Format(MeanStd s)
    {
        if (s.Std == 0 && Math.Abs(s.Mean) < 1e9 && s.Mean == Math.Round(s.Mean))
            return s.Mean.ToString("F0", CultureInfo.InvariantCulture);
        return s.Count > 1 ? $"{Num(s.Mean)} ± {Num(s.Std)}" : Num(s.Mean);
    }

    /// <summary>Numbers as the report prints them: F1 from 100, F4 from 0.01 (and 0), else scientific with 3 digits (1.23e-5).</summary>
    public static string Num(double v) => double.IsNaN(v) ? "n/a"
        : Math.Abs(v) >= 100 ? v.ToString("F1", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 0.01 || v == 0 ? v.ToString("F4", CultureInfo.InvariantCulture)
        : v.ToString("0.00e+0", CultureInfo.InvariantCulture);
}
