using ScottPlot;

namespace MLSae.Reporting.Plots;

/// <summary>One ordering's prefix curve: quality using only the first n features.</summary>
/// <param name="Ordering">Name, e.g. "frequency", "random".</param>
/// <param name="PrefixSizes">n values (ascending).</param>
/// <param name="Values">Quality at each n (e.g. explained variance).</param>
public sealed record PrefixCurve(string Ordering, IReadOnlyList<int> PrefixSizes, IReadOnlyList<double> Values);

/// <summary>prefix_curves.png: reconstruction quality against the number of leading features kept.</summary>
public static class PrefixCurvePlot
{
    /// <summary>Writes one line per ordering, n on a log axis.</summary>
    public static void Save(string path, IReadOnlyList<PrefixCurve> curves, string metric = "Explained variance", string? runName = null)
    {
        var title = "Prefix curves: quality from the first n features" + (runName is null ? "" : $" ({runName})");
        var plot = PlotFiles.NewPlot(title, "n (features kept, in order)", metric);
        for (int k = 0; k < curves.Count; k++)
        {
            var c = curves[k];
            var line = plot.Add.Scatter(c.PrefixSizes.Select(n => Math.Log10(Math.Max(1, n))).ToArray(), c.Values.ToArray());
            line.LegendText = c.Ordering;
            line.Color = PlotFiles.SeriesColor(k);
            line.LineWidth = PlotFiles.SeriesWidth(k, curves.Count);
            line.LinePattern = PlotFiles.SeriesPattern(k);
            line.MarkerSize = 6;
        }
        PlotFiles.LogX(plot);
        plot.ShowLegend(Alignment.UpperLeft);
        PlotFiles.Save(plot, path);
    }
}
