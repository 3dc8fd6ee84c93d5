using MLSae.Persistence;
using ScottPlot;

namespace MLSae.Reporting.Plots;

/// <summary>A metric's mean and standard deviation over seeds.</summary>
/// <param name="Mean">Mean over seeds.</param>
/// <param name="Std">Sample standard deviation over seeds (0 for one seed).</param>
/// <param name="Count">Number of seeds.</param>
public readonly record struct MeanStd(double Mean, double Std, int Count);

/// <summary>One run's metrics, aggregated over seeds, keyed by SAEBench-style names (l0, mse, ...).</summary>
/// <param name="Run">Run name.</param>
/// <param name="Metrics">Metric name to mean and spread.</param>
public sealed record RunMetricsSummary(string Run, IReadOnlyDictionary<string, MeanStd> Metrics);

/// <summary>
/// metrics_comparison.png: a 2x2 grid across runs (loss and model preservation; sparsity;
/// reconstruction; summary) with error bars over seeds. In each panel the first metric uses the
/// left axis and the second the right axis, since their scales differ (L0 vs L1, MSE vs cosine).
/// </summary>
public static class MetricsComparisonPlot
{
    /// <summary>The panels and the metrics each shows (first present ones are drawn).</summary>
    public static readonly IReadOnlyList<(string Title, string[] Metrics)> Panels =
    [
        ("Loss and model preservation", ["final_loss", "kl_div_score", "ce_loss_score", "embedding_preservation_score"]),
        ("Sparsity", ["l0", "l1"]),
        ("Reconstruction", ["mse", "cossim"]),
        ("Summary", ["explained_variance", "frac_alive"]),
    ];

    /// <summary>Writes the grid.</summary>
    public static void Save(string path, IReadOnlyList<RunMetricsSummary> runs, int width = 1600, int height = 1100)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(Panels.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows: 2, columns: 2);
        for (int p = 0; p < Panels.Count; p++)
            DrawPanel(multiplot.GetPlot(p), Panels[p].Title, Panels[p].Metrics, runs);
        AtomicFile.WriteAllBytes(path, multiplot.Render(width, height).GetImageBytes(ImageFormat.Png));
    }

    static void DrawPanel(Plot plot, string title, string[] candidates, IReadOnlyList<RunMetricsSummary> runs)
    {
        var metrics = candidates.Where(m => runs.Any(r => r.Metrics.ContainsKey(m))).Take(2).ToArray();
        PlotFiles.Style(plot, title, "", metrics.Length > 0 ? metrics[0] : "(no data)");
        if (metrics.Length > 1) plot.Axes.Right.Label.Text = metrics[1];
        plot.Axes.Right.Label.FontSize = 16;

        double groupWidth = 0.8, barWidth = groupWidth / Math.Max(1, metrics.Length);
        for (int k = 0; k < metrics.Length; k++)
        {
            var color = plot.Add.Palette.GetColor(k);
            var bars = new List<Bar>();
            var xs = new List<double>();
            var means = new List<double>();
            var errs = new List<double>();
            for (int r = 0; r < runs.Count; r++)
            {
                if (!runs[r].Metrics.TryGetValue(metrics[k], out var v)) continue;
                double x = r - groupWidth / 2 + barWidth * (k + 0.5);
                bars.Add(new Bar { Position = x, Value = v.Mean, Size = barWidth * 0.9, FillColor = color });
                xs.Add(x); means.Add(v.Mean); errs.Add(v.Std);
            }
            var barPlot = plot.Add.Bars(bars);
            barPlot.LegendText = metrics[k];
            var errorBars = plot.Add.ErrorBar(xs, means, errs);
            errorBars.Color = Colors.Black;
            if (k == 1)
            {
                barPlot.Axes.YAxis = plot.Axes.Right;
                errorBars.Axes.YAxis = plot.Axes.Right;
            }
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, runs.Count).Select(i => (double)i).ToArray(), runs.Select(r => r.Run).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = runs.Count > 4 ? 30 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = runs.Count > 4 ? Alignment.MiddleLeft : Alignment.UpperCenter;
        plot.Axes.Margins(bottom: 0);
        if (metrics.Length > 0) plot.ShowLegend(Alignment.UpperRight);
    }
}
