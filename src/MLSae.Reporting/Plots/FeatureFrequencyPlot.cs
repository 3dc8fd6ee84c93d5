using ScottPlot;

namespace MLSae.Reporting.Plots;

/// <summary>One line of a frequency plot: a run's per-feature firing frequencies (any order; the plot sorts them).</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Frequencies">Fraction of tokens each feature fired on.</param>
public sealed record FrequencySeries(string Name, float[] Frequencies);

/// <summary>activation_dist_step_{N}.png: firing frequency of every feature, sorted, on a log scale.</summary>
public static class FeatureFrequencyPlot
{
    /// <summary>Writes the plot for <paramref name="frequencies"/> (fraction of tokens each feature fired on) at <paramref name="step"/>.</summary>
    public static void Save(string path, ReadOnlySpan<float> frequencies, long step, string? runName = null) =>
        Save(path, [new FrequencySeries(runName ?? "features", frequencies.ToArray())], step, runName);

    /// <summary>
    /// Writes one line per series: features sorted by frequency (most frequent first) on x, frequency on a log
    /// y axis. Features that never fired cannot be drawn on a log axis; their count is in the legend.
    /// </summary>
    public static void Save(string path, IReadOnlyList<FrequencySeries> series, long step, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plotTitle = $"Feature firing frequency at step {step:N0}" + (title is null ? "" : $" ({title})");
        int m = series.Count > 0 ? series.Max(s => s.Frequencies.Length) : 0;
        var plot = PlotFiles.NewPlot(plotTitle, $"Feature rank (most frequent first, of {m:N0})", "Firing frequency (fraction of tokens)");
        for (int k = 0; k < series.Count; k++)
        {
            var sorted = series[k].Frequencies.Where(f => f > 0).OrderByDescending(f => f).ToArray();
            int dead = series[k].Frequencies.Length - sorted.Length;
            var line = plot.Add.ScatterLine(
                Enumerable.Range(0, sorted.Length).Select(i => (double)i).ToArray(),
                sorted.Select(f => Math.Log10(f)).ToArray());
            line.Color = PlotFiles.SeriesColor(k);
            line.LineWidth = PlotFiles.SeriesWidth(k, series.Count);
            line.LinePattern = PlotFiles.SeriesPattern(k);
            line.LegendText = dead > 0 ? $"{series[k].Name} ({dead:N0} never fired)" : series[k].Name;
        }
        if (series.Count > 0) plot.ShowLegend(Alignment.UpperRight);
        PlotFiles.LogY(plot);
        PlotFiles.Save(plot, path);
    }
}
