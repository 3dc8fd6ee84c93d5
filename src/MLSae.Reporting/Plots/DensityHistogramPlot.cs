using ScottPlot;

namespace MLSae.Reporting.Plots;

/// <summary>One curve of a density plot: a run's per-feature frequencies, one array per seed.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="PerSeed">Per-feature firing frequencies of each seed's SAE.</param>
public sealed record DensitySeries(string Name, IReadOnlyList<float[]> PerSeed);

/// <summary>Feature-density histogram: how many features fire at each log10 frequency (SAEBench's view).</summary>
public static class DensityHistogramPlot
{
    /// <summary>Writes a histogram of log10 firing frequency; dead features are counted in the x label.</summary>
    public static void Save(string path, ReadOnlySpan<float> frequencies, string? runName = null, int bins = 40)
    {
        var logs = new List<double>(frequencies.Length);
        int dead = 0;
        foreach (var f in frequencies)
            if (f > 0) logs.Add(Math.Log10(f)); else dead++;

        var title = "Feature density" + (runName is null ? "" : $" ({runName})");
        var plot = PlotFiles.NewPlot(title, $"Firing frequency, log scale ({dead:N0} dead features not shown)", "Number of features");
        if (logs.Count > 0)
        {
            var (lo, width) = Range(logs, bins);
            var counts = new double[bins];
            foreach (var v in logs) counts[Bin(v, lo, width, bins)]++;
            var positions = Enumerable.Range(0, bins).Select(i => lo + (i + 0.5) * width).ToArray();
            var bars = plot.Add.Bars(positions, counts);
            foreach (var bar in bars.Bars) bar.Size = width * 0.95;
        }
        plot.Axes.Margins(bottom: 0);
        PlotFiles.LogX(plot);
        PlotFiles.Save(plot, path);
    }

    /// <summary>
    /// Overlays the histograms of several runs as step lines on shared bins; counts are features per SAE
    /// (averaged over a run's seeds), so runs with different seed counts compare directly.
    /// </summary>
    public static void Save(string path, IReadOnlyList<DensitySeries> series, int bins = 30, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var all = series.SelectMany(s => s.PerSeed.SelectMany(f => f)).Where(f => f > 0).Select(f => Math.Log10(f)).ToList();
        var plot = PlotFiles.NewPlot(title ?? "Feature density (held-out tokens)", "Firing frequency, log scale (dead features not shown)", "Features per SAE (mean over seeds)");
        if (all.Count > 0)
        {
            var (lo, width) = Range(all, bins);
            for (int k = 0; k < series.Count; k++)
            {
                var s = series[k];
                var counts = new double[bins];
                double dead = 0;
                foreach (var seed in s.PerSeed)
                    foreach (var f in seed)
                        if (f > 0) counts[Bin(Math.Log10(f), lo, width, bins)] += 1.0 / s.PerSeed.Count;
                        else dead += 1.0 / s.PerSeed.Count;
                // Step outline: each bin drawn flat from its left to its right edge.
                var xs = new List<double>();
                var ys = new List<double>();
                for (int b = 0; b < bins; b++)
                {
                    xs.Add(lo + b * width); ys.Add(counts[b]);
                    xs.Add(lo + (b + 1) * width); ys.Add(counts[b]);
                }
                var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
                line.Color = PlotFiles.SeriesColor(k);
                line.LineWidth = PlotFiles.SeriesWidth(k, series.Count);
                line.LinePattern = PlotFiles.SeriesPattern(k);
                line.LegendText = dead > 0 ? $"{s.Name} ({dead:0.#} dead)" : s.Name;
            }
            plot.ShowLegend(Alignment.UpperLeft);
        }
        plot.Axes.Margins(bottom: 0);
        PlotFiles.LogX(plot);
        PlotFiles.Save(plot, path);
    }

    /// <summary>Bins over the data's range, padded by 5% and at least a fifth of a decade wide.</summary>
    static (double Lo, double Width) Range(List<double> logs, int bins)
    {
        double min = logs.Min(), max = logs.Max();
        double span = Math.Max(0.2, max - min);
        double mid = (min + max) / 2;
        double lo = Math.Min(min, mid - span / 2) - 0.05 * span, hi = Math.Max(max, mid + span / 2) + 0.05 * span;
        return (lo, (hi - lo) / bins);
    }

    static int Bin(double v, double lo, double width, int bins) => Math.Clamp((int)((v - lo) / width), 0, bins - 1);
}
