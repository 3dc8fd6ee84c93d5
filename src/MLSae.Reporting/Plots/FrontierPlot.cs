using ScottPlot;

namespace MLSae.Reporting.Plots;

/// <summary>One SAE on the sparsity-fidelity frontier.</summary>
/// <param name="Series">The curve it belongs to (usually the architecture).</param>
/// <param name="Setting">Its sparsity setting, e.g. "k=32" or "target-l0=64".</param>
/// <param name="L0">Mean active features per held-out token.</param>
/// <param name="Value">Its quality (explained variance, or a downstream score).</param>
public sealed record FrontierPoint(string Series, string Setting, double L0, double Value);

/// <summary>
/// frontier.png: quality against L0 (log axis), one curve per architecture, the plot SAEs are compared by
/// (SAEBench's and the Gemma Scope paper's sparsity-fidelity frontier).
/// </summary>
public static class FrontierPlot
{
    /// <summary>Writes one line per series, its points in increasing L0.</summary>
    public static void Save(string path, IReadOnlyList<FrontierPoint> points, string metric = "Explained variance (held out)", string? title = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        var plot = PlotFiles.NewPlot(title ?? "Sparsity-fidelity frontier", "L0 (active features per token)", metric);
        var series = points.Select(p => p.Series).Distinct().ToList();
        for (int k = 0; k < series.Count; k++)
        {
            var curve = points.Where(p => p.Series == series[k] && p.L0 > 0 && double.IsFinite(p.Value)).OrderBy(p => p.L0).ToList();
            if (curve.Count == 0) continue;
            var line = plot.Add.Scatter(curve.Select(p => Math.Log10(p.L0)).ToArray(), curve.Select(p => p.Value).ToArray());
            line.LegendText = series[k];
            line.Color = PlotFiles.SeriesColor(k);
            line.LineWidth = 2;
            line.LinePattern = PlotFiles.SeriesPattern(k);
            line.MarkerSize = 8;
        }
        PlotFiles.LogX(plot);
        plot.ShowLegend(Alignment.LowerRight);
        PlotFiles.Save(plot, path);
    }
}
