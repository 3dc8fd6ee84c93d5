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
/// metrics_comparison.png: a 2x2 grid across runs (loss and model preservation; sparsity; reconstruction;
/// summary). Each run is a point at its mean over seeds with an error bar of ± one standard deviation; the
/// axes zoom to the data, so small differences between runs stay visible next to their spread. In each
/// panel the first metric uses the left axis and the second the right axis (labels coloured to match),
/// since their scales differ (L0 vs L1, MSE vs cosine).
/// </summary>
public static class MetricsComparisonPlot
{
    /// <summary>The panels and the metrics each shows (the first two present ones are drawn).</summary>
    public static readonly IReadOnlyList<(string Title, string[] Metrics)> Panels =
    [
        ("Loss and model preservation", ["final_loss", "kl_div_score", "ce_loss_score", "embedding_cosine_score"]),
        ("Sparsity", ["l0", "l1"]),
        ("Reconstruction", ["mse", "cossim"]),
        ("Summary", ["explained_variance", "frac_alive"]),
    ];

    /// <summary>Writes the grid.</summary>
    public static void Save(string path, IReadOnlyList<RunMetricsSummary> runs, int width = 1600, int height = 1100)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var multiplot = new Multiplot();
        multiplot.AddPlots(Panels.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows: 2, columns: 2);
        for (int p = 0; p < Panels.Count; p++)
            DrawPanel(multiplot.GetPlot(p), Panels[p].Title, Panels[p].Metrics, runs);
        AtomicFile.WriteAllBytes(path, multiplot.Render(width, height).GetImageBytes(ImageFormat.Png));
    }

    static readonly MarkerShape[] s_shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare];

    static void DrawPanel(Plot plot, string title, string[] candidates, IReadOnlyList<RunMetricsSummary> runs)
    {
        var metrics = candidates.Where(m => runs.Any(r => r.Metrics.TryGetValue(m, out var v) && !double.IsNaN(v.Mean))).Take(2).ToArray();
        PlotFiles.Style(plot, title, "", metrics.Length > 0 ? metrics[0] : "(no data)");
        plot.Axes.Right.TickLabelStyle.FontSize = 13;
        if (metrics.Length > 1)
        {
            plot.Axes.Right.Label.Text = metrics[1];
            plot.Axes.Right.Label.FontSize = 16;
        }
        var fixedLimits = new List<(double Lo, double Hi, ScottPlot.IYAxis Axis)>();
        for (int k = 0; k < metrics.Length; k++)
        {
            var color = PlotFiles.SeriesColor(k);
            double offset = metrics.Length == 1 ? 0 : (k == 0 ? -0.17 : 0.17);
            var xs = new List<double>();
            var means = new List<double>();
            var errs = new List<double>();
            for (int r = 0; r < runs.Count; r++)
            {
                if (!runs[r].Metrics.TryGetValue(metrics[k], out var v) || double.IsNaN(v.Mean)) continue;
                xs.Add(r + offset); means.Add(v.Mean); errs.Add(double.IsNaN(v.Std) ? 0 : v.Std);
            }
            var errorBars = plot.Add.ErrorBar(xs, means, errs);
            errorBars.Color = color;
            errorBars.LineWidth = 2;
            var points = plot.Add.ScatterPoints(xs.ToArray(), means.ToArray());
            points.Color = color;
            points.MarkerShape = s_shapes[k];
            points.MarkerSize = 9;
            points.LegendText = metrics.Length == 1 ? metrics[k] : $"{metrics[k]} ({(k == 0 ? "left" : "right")} axis)";
            var axis = k == 0 ? (ScottPlot.IYAxis)plot.Axes.Left : plot.Axes.Right;
            axis.Label.ForeColor = color;
            if (k == 1)
            {
                points.Axes.YAxis = plot.Axes.Right;
                errorBars.Axes.YAxis = plot.Axes.Right;
            }
            // A metric equal in every run (frac_alive = 1) would otherwise get an arbitrary ±1 axis.
            if (means.Count > 0)
            {
                double lo = means.Select((m, i) => m - errs[i]).Min(), hi = means.Select((m, i) => m + errs[i]).Max();
                if (hi - lo < 1e-9 * Math.Max(1, Math.Abs(hi)))
                {
                    double pad = Math.Max(Math.Abs(hi) * 0.01, 1e-3);
                    fixedLimits.Add((lo - pad, hi + pad, axis));
                }
            }
        }
        if (metrics.Length > 0)
        {
            plot.ShowLegend(Alignment.UpperCenter, Orientation.Horizontal);
            plot.Legend.FontSize = 13;
        }
        var names = runs.Select(r => r.Run).ToArray();
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, runs.Count).Select(i => (double)i).ToArray(), names);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        int longest = names.Select(n => n.Length).DefaultIfEmpty(4).Max();
        plot.Axes.Bottom.MinimumSize = 20 + longest * 7.5f;
        plot.Axes.SetLimitsX(-0.6, runs.Count - 0.4);
        plot.Axes.Margins(bottom: 0.08, top: 0.25);
        foreach (var (lo, hi, axis) in fixedLimits) plot.Axes.SetLimitsY(lo, hi + 0.25 * (hi - lo), axis);
    }
}
