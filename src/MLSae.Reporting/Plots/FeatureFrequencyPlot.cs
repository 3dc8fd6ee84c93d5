namespace MLSae.Reporting.Plots;

/// <summary>activation_dist_step_{N}.png: firing frequency of every feature, sorted, on a log scale.</summary>
public static class FeatureFrequencyPlot
{
    /// <summary>Writes the plot for <paramref name="frequencies"/> (fraction of tokens each feature fired on) at <paramref name="step"/>.</summary>
    public static void Save(string path, ReadOnlySpan<float> frequencies, long step, string? runName = null)
    {
        var sorted = frequencies.ToArray();
        Array.Sort(sorted, (a, b) => b.CompareTo(a));
        int dead = sorted.Count(f => f <= 0);
        int alive = sorted.Length - dead;
        var xs = Enumerable.Range(0, alive).Select(i => (double)i).ToArray();
        var ys = sorted.Take(alive).Select(f => Math.Log10(f)).ToArray();

        var title = $"Feature firing frequency at step {step:N0}" + (runName is null ? "" : $" ({runName})");
        var plot = PlotFiles.NewPlot(title, $"Feature rank (most frequent first); {dead:N0} of {sorted.Length:N0} never fired", "Firing frequency (fraction of tokens)");
        if (alive > 0)
        {
            var line = plot.Add.ScatterLine(xs, ys);
            line.LineWidth = 2;
            line.LegendText = $"{alive:N0} live features";
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        }
        PlotFiles.LogY(plot);
        PlotFiles.Save(plot, path);
    }
}
