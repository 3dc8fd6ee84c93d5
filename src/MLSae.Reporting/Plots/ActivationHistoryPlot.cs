using ScottPlot;

namespace MLSae.Reporting.Plots;

/// <summary>
/// activation_history_step_{N}.png: firing-frequency trajectories of the most and least active
/// features over training, with reorder events marked. Snapshots must be in one consistent
/// feature index space (the tracker permutes its history along with the features).
/// </summary>
public static class ActivationHistoryPlot
{
    /// <summary>Writes the plot.</summary>
    /// <param name="path">PNG path.</param>
    /// <param name="steps">Step of each snapshot.</param>
    /// <param name="snapshots">[snapshot][feature] firing frequency.</param>
    /// <param name="reorderSteps">Steps at which features were reordered.</param>
    /// <param name="count">How many most / least active features to draw.</param>
    /// <param name="runName">Shown in the title.</param>
    public static void Save(string path, IReadOnlyList<long> steps, IReadOnlyList<float[]> snapshots,
        IReadOnlyList<long> reorderSteps, int count = 10, string? runName = null)
    {
        if (steps.Count != snapshots.Count)
            throw new ArgumentException($"{steps.Count} steps but {snapshots.Count} snapshots.", nameof(snapshots));
        var title = $"Feature frequency over training, to step {(steps.Count > 0 ? steps[^1] : 0):N0}" + (runName is null ? "" : $" ({runName})");
        var plot = PlotFiles.NewPlot(title, "Training step", "Firing frequency (fraction of tokens)");
        if (snapshots.Count > 0)
        {
            int m = snapshots[0].Length;
            var mean = new double[m];
            foreach (var s in snapshots)
                for (int i = 0; i < m; i++) mean[i] += s[i] / snapshots.Count;
            var ranked = Enumerable.Range(0, m).Where(i => mean[i] > 0).OrderByDescending(i => mean[i]).ThenBy(i => i).ToList();
            var top = ranked.Take(count).ToList();
            var bottom = ranked.AsEnumerable().Reverse().Take(count).Except(top).ToList();
            var xs = steps.Select(s => (double)s).ToArray();
            Draw(plot, xs, snapshots, top, Colors.Blue, $"{top.Count} most active");
            Draw(plot, xs, snapshots, bottom, Colors.OrangeRed, $"{bottom.Count} least active (of those that fired)");
        }
        for (int r = 0; r < reorderSteps.Count; r++)
        {
            var line = plot.Add.VerticalLine(reorderSteps[r]);
            line.Color = Colors.Gray;
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            if (r == 0) line.LegendText = "reorder";
        }
        PlotFiles.LogY(plot);
        plot.ShowLegend(Alignment.LowerRight);
        PlotFiles.Save(plot, path);
    }

    static void Draw(Plot plot, double[] xs, IReadOnlyList<float[]> snapshots, List<int> features, Color color, string legend)
    {
        for (int k = 0; k < features.Count; k++)
        {
            var ys = snapshots.Select(s => PlotFiles.Log10Clamped(s[features[k]])).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.Color = color.WithAlpha(0.75);
            line.LineWidth = 1.5f;
            if (k == 0) line.LegendText = legend;
        }
    }
}
