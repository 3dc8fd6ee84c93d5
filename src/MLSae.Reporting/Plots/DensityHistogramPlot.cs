namespace MLSae.Reporting.Plots;

/// <summary>Feature-density histogram: how many features fire at each log10 frequency (SAEBench's view).</summary>
public static class DensityHistogramPlot
{
    /// <summary>Writes a histogram of log10 firing frequency; dead features are counted in the title.</summary>
    public static void Save(string path, ReadOnlySpan<float> frequencies, string? runName = null, int bins = 40)
    {
        var logs = new List<double>(frequencies.Length);
        int dead = 0;
        foreach (var f in frequencies)
            if (f > 0) logs.Add(Math.Log10(f)); else dead++;

        var title = "Feature density" + (runName is null ? "" : $" ({runName})");
        var plot = PlotFiles.NewPlot(title, $"log10 firing frequency ({dead:N0} dead features not shown)", "Number of features");
        if (logs.Count > 0)
        {
            double lo = Math.Floor(logs.Min()), hi = Math.Max(lo + 1, Math.Ceiling(logs.Max()));
            double width = (hi - lo) / bins;
            var counts = new double[bins];
            foreach (var v in logs) counts[Math.Min(bins - 1, (int)((v - lo) / width))]++;
            var positions = Enumerable.Range(0, bins).Select(i => lo + (i + 0.5) * width).ToArray();
            var bars = plot.Add.Bars(positions, counts);
            foreach (var bar in bars.Bars) bar.Size = width * 0.95;
        }
        plot.Axes.Margins(bottom: 0);
        PlotFiles.Save(plot, path);
    }
}
