using System.Globalization;
using System.Text;
using MLSae.Models;
using MLSae.Reporting.Plots;
using MLSae.Reporting.Reports;
using MLSae.Training;

namespace MLSae.Runs.Experiments;

/// <summary>
/// The sparsity-fidelity frontier of an experiment that trains an architecture at several sparsities (a grid):
/// held-out explained variance (and downstream score, where measured) against L0, one curve per architecture,
/// as frontier.png and a table in report.md.
/// </summary>
static class ExperimentFrontier
{
    /// <summary>The frontier plot's file name.</summary>
    public const string PlotFile = "frontier.png";
    /// <summary>The downstream-score frontier plot's file name.</summary>
    public const string DownstreamPlotFile = "frontier_downstream.png";
    static readonly string[] s_downstream = ["ce_loss_score", "embedding_cosine_score"];

    /// <summary>One point per run (seed means), or none when no architecture is trained at two sparsities.</summary>
    public static IReadOnlyList<(RunResults Run, FrontierPoint Point)> Points(IReadOnlyList<RunResults> results, string metric = "explained_variance")
    {
        var points = results
            .Select(r => (Run: r, Point: new FrontierPoint(Series(r.Run.Train.Training), Setting(r.Run.Train.Training), Mean(r, "l0"), Mean(r, metric))))
            .Where(p => double.IsFinite(p.Point.L0) && double.IsFinite(p.Point.Value))
            .ToList();
        bool anySweep = points.GroupBy(p => p.Point.Series).Any(g => g.Select(p => p.Point.Setting).Distinct().Count() >= 2);
        return anySweep ? points : [];
    }

    /// <summary>Draws frontier.png (and frontier_downstream.png when runs measured a downstream score).</summary>
    public static IEnumerable<ReportPlot> Draw(IReadOnlyList<RunResults> results, string reportDirectory)
    {
        var points = Points(results);
        if (points.Count == 0) yield break;
        FrontierPlot.Save(Path.Combine(reportDirectory, PlotFile), points.Select(p => p.Point).ToList());
        yield return new ReportPlot(PlotFile, "Sparsity-fidelity frontier", "Held-out explained variance against L0 (log axis), one curve per architecture; up and to the left is better.");
        if (DownstreamMetric(results) is { } downstream && Points(results, downstream) is { Count: > 0 } scored)
        {
            FrontierPlot.Save(Path.Combine(reportDirectory, DownstreamPlotFile), scored.Select(p => p.Point).ToList(), downstream);
            yield return new ReportPlot(DownstreamPlotFile, "Downstream frontier", $"{downstream} (the model with the SAE spliced in) against L0.");
        }
    }

    /// <summary>The frontier table, or nothing when the experiment is not a sweep.</summary>
    public static string Table(IReadOnlyList<RunResults> results)
    {
        var points = Points(results);
        if (points.Count == 0) return "";
        var sb = new StringBuilder();
        var downstream = DownstreamMetric(results);
        sb.AppendLine().AppendLine("## Sparsity-fidelity frontier").AppendLine();
        sb.AppendLine("Held-out L0 and explained variance per run (means over seeds), by architecture in increasing L0 (frontier.png).").AppendLine();
        sb.AppendLine($"| architecture | setting | L0 | explained variance |{(downstream is null ? "" : $" {downstream} |")} dead fraction | run |");
        sb.AppendLine($"| --- | --- | ---: | ---: |{(downstream is null ? "" : " ---: |")} ---: | --- |");
        foreach (var (run, p) in points.OrderBy(p => p.Point.Series, StringComparer.Ordinal).ThenBy(p => p.Point.L0))
        {
            var extra = downstream is null ? "" : $" {Mean(run, downstream).ToString("F3", CultureInfo.InvariantCulture)} |";
            double dead = 1 - Mean(run, "frac_alive");
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {p.Series} | {p.Setting} | {p.L0:F1} | {p.Value:F3} |{extra} {dead:F3} | {run.Run.Name} |"));
        }
        return sb.AppendLine().ToString();
    }

    static string? DownstreamMetric(IReadOnlyList<RunResults> results) =>
        s_downstream.FirstOrDefault(m => results.Any(r => double.IsFinite(Mean(r, m))));

    static string Series(SaeTrainingOptions t) => t.Architecture.ToString().ToLowerInvariant();

    // What sets each architecture's sparsity: k for the top-k family, the L0 target for JumpReLU (always one, default
    // 20), the target or else the fixed L1 coefficient for standard.
    static string Setting(SaeTrainingOptions t) => t.Architecture switch
    {
        SaeArchitecture.JumpReLU => FormattableString.Invariant($"target L0 {t.TargetL0 ?? SaeTrainingDefaults.TargetL0:G4}"),
        SaeArchitecture.Standard when t.TargetL0 is { } target => FormattableString.Invariant($"target L0 {target:G4}"),
        SaeArchitecture.Standard => FormattableString.Invariant($"L1 {t.L1Coefficient:G4}"),
        _ => FormattableString.Invariant($"k {t.K}"),
    };

    static double Mean(RunResults r, string metric)
    {
        var values = r.Seeds.Select(s => s.Metrics.TryGetValue(metric, out var v) ? v : double.NaN).Where(double.IsFinite).ToList();
        return values.Count == 0 ? double.NaN : values.Average();
    }
}
