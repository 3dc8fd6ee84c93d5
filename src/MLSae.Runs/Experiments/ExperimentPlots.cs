using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Reporting.Plots;
using MLSae.Reporting.Reports;
using PrefixCurve = MLSae.Reporting.Plots.PrefixCurve;

namespace MLSae.Runs.Experiments;

/// <summary>
/// Draws an experiment's plots into the report folder and returns them with captions for report.md:
/// activation_dist_step_{N}.png, {run}/activation_history_step_{N}.png, metrics_comparison.png,
/// prefix_curves.png and feature_density.png.
/// </summary>
internal static class ExperimentPlots
{
    /// <summary>Metrics comparison file name.</summary>
    public const string MetricsComparison = "metrics_comparison.png";
    /// <summary>Prefix curves file name.</summary>
    public const string PrefixCurvesFile = "prefix_curves.png";
    /// <summary>Density histogram file name.</summary>
    public const string FeatureDensity = "feature_density.png";
    /// <summary>Most runs drawn in one overlay plot when the file does not choose.</summary>
    public const int DefaultPlotRuns = 6;

    /// <summary>Writes every plot into <paramref name="reportDirectory"/>.</summary>
    public static IReadOnlyList<ReportPlot> Draw(ExperimentDefinition experiment, IReadOnlyList<RunResults> results, string reportDirectory)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(results);
        Directory.CreateDirectory(reportDirectory);
        var plots = new List<ReportPlot>();
        var chosen = PlotRuns(experiment, results);
        int seeds = experiment.Seeds.Count;

        plots.Add(Comparison(results, reportDirectory, seeds));
        plots.AddRange(Distributions(experiment, chosen, reportDirectory, seeds));
        plots.AddRange(Histories(experiment, chosen, reportDirectory));
        if (Prefix(chosen, reportDirectory, seeds) is { } prefix) plots.Add(prefix);
        plots.Add(Density(chosen, reportDirectory, seeds));
        plots.AddRange(ExperimentFrontier.Draw(results, reportDirectory));
        return plots;
    }

    /// <summary>The runs of the per-run and overlay plots: the file's choice, else up to six (reorder runs and the first one's control).</summary>
    public static IReadOnlyList<RunResults> PlotRuns(ExperimentDefinition experiment, IReadOnlyList<RunResults> results)
    {
        if (experiment.Plots.Runs.Count > 0)
            return experiment.Plots.Runs.Select(n => results.First(r => r.Run.Name == n)).ToList();
        var reorder = results.Where(r => r.Run.Train.Ordering.Strategy != ReorderStrategyKind.None).ToList();
        if (reorder.Count == 0) return results.Take(DefaultPlotRuns).ToList();
        var names = new HashSet<string>();
        if (reorder[0].Run.Control is { } control) names.Add(control);
        foreach (var r in reorder)
        {
            if (names.Count >= DefaultPlotRuns) break;
            names.Add(r.Run.Name);
        }
        return results.Where(r => names.Contains(r.Run.Name)).ToList();
    }

    static ReportPlot Comparison(IReadOnlyList<RunResults> results, string dir, int seeds)
    {
        var summaries = results.Select(r => new RunMetricsSummary(r.Run.Name,
            r.Seeds.SelectMany(s => s.Metrics.Keys).Distinct()
                .ToDictionary(k => k, k => SeedStatistics.Summarize(r.Seeds.Select(s => s.Metrics.TryGetValue(k, out var v) ? v : double.NaN))))).ToList();
        MetricsComparisonPlot.Save(Path.Combine(dir, MetricsComparison), summaries, width: Math.Max(1600, 160 + 70 * results.Count), height: 1300);
        return new ReportPlot(MetricsComparison, "Metrics across runs",
            $"Points are means over {seeds} seed(s), error bars ± one standard deviation over seeds; the axes zoom to the data, so read " +
            "differences against the error bars, not against the axis range. Each panel has two metrics with their own axes " +
            "(left: first in the legend, right: second, labels coloured to match). final_loss is the training loss (its last 10% of logged steps); " +
            "JumpReLU's loss has another sparsity term, so compare it with care. The other metrics are measured on held-out tokens.");
    }

    static IEnumerable<ReportPlot> Distributions(ExperimentDefinition experiment, IReadOnlyList<RunResults> runs, string dir, int seeds)
    {
        var steps = experiment.Plots.Steps.Count > 0 ? experiment.Plots.Steps : [runs.Max(r => r.Run.Train.Training.ResolveSteps())];
        foreach (var step in steps.Order())
        {
            var series = new List<FrequencySeries>();
            foreach (var r in runs)
            {
                var perSeed = r.Seeds.Select(s => Snapshot(s.Directory, step)).Where(f => f is not null).Select(f => f!).ToList();
                if (perSeed.Count > 0) series.Add(new FrequencySeries(r.Run.Name, RankwiseMean(perSeed)));
            }
            if (series.Count == 0) continue;
            var file = $"activation_dist_step_{step}.png";
            FeatureFrequencyPlot.Save(Path.Combine(dir, file), series, step, $"training EMA, mean over {seeds} seed(s)");
            yield return new ReportPlot(file, $"Feature firing frequency at step {step:N0}",
                "Each line is one run: its features sorted from most to least frequent (x), firing frequency on a log axis (y). " +
                "Frequencies are the tracker's exponential moving average during training at the last snapshot at or before this step, " +
                "averaged rank by rank over seeds. Reordering only relabels features, so it cannot change this curve by itself; " +
                "a different curve means the run learned different features.");
        }
    }

    static IEnumerable<ReportPlot> Histories(ExperimentDefinition experiment, IReadOnlyList<RunResults> runs, string dir)
    {
        foreach (var r in runs)
        {
            var seed = r.Seeds[0];
            var path = Path.Combine(seed.Directory, RunFolder.FeatureHistory);
            if (!File.Exists(path)) continue;
            var history = FeatureHistoryFile.Read(path);
            if (history.Steps.Length == 0) continue;
            var steps = experiment.Plots.HistorySteps.Count > 0 ? experiment.Plots.HistorySteps : [r.Run.Train.Training.ResolveSteps()];
            foreach (var step in steps.Order())
            {
                int count = history.Steps.Count(s => s <= step);
                if (count == 0) continue;
                var file = $"{r.Run.Name}/activation_history_step_{step}.png";
                Directory.CreateDirectory(Path.Combine(dir, r.Run.Name));
                ActivationHistoryPlot.Save(Path.Combine(dir, file), history.Steps.Take(count).ToList(), history.Frequencies.Take(count).ToList(),
                    seed.ReorderSteps.Where(s => s <= step).ToList(), count: 10, runName: $"{r.Run.Name}, seed {seed.Seed}");
                yield return new ReportPlot(file, $"Frequency trajectories: {r.Run.Name} (seed {seed.Seed}) to step {step:N0}",
                    "Training EMA firing frequency of the 10 most active (blue) and 10 least active (orange, among features that fired) " +
                    "features, ranked by their mean over the snapshots, on a log axis. Features keep their original index across reorders, " +
                    "so each line is one feature. Dashed grey lines mark reorders" +
                    (seed.ReorderSteps.Count == 0 ? " (this run never reordered)." : $" ({seed.ReorderSteps.Count} in this run)."));
            }
        }
    }

    static ReportPlot? Prefix(IReadOnlyList<RunResults> runs, string dir, int seeds)
    {
        var curves = new List<PrefixCurve>();
        foreach (var r in runs)
            if (MeanCurve(r, "original") is { } c) curves.Add(c with { Ordering = $"{r.Run.Name} (as trained)" });
        var reference = runs.FirstOrDefault(r => r.Run.Train.Ordering.Strategy == ReorderStrategyKind.None) ?? runs.FirstOrDefault();
        if (reference is not null)
        {
            if (MeanCurve(reference, "frequency") is { } f) curves.Add(f with { Ordering = $"{reference.Run.Name} sorted post hoc by frequency" });
            if (MeanCurve(reference, "random") is { } rnd) curves.Add(rnd with { Ordering = $"{reference.Run.Name} in a random order" });
        }
        if (curves.Count == 0) return null;
        PrefixCurvePlot.Save(Path.Combine(dir, PrefixCurvesFile), curves, "Explained variance (held-out)", $"mean over {seeds} seed(s)");
        return new ReportPlot(PrefixCurvesFile, "Prefix curves",
            "Explained variance on held-out tokens when only the first n features (in the SAE's order) reconstruct, the rest zeroed; " +
            "n on a log axis. A run trained with reordering keeps its features in the order of the last reorder (training frequency, " +
            "most frequent first); a run without reordering has an arbitrary order, like random. If frequency order front-loads what " +
            "matters, the reorder runs rise above the no-reorder run and the random order. The reference run sorted post hoc by " +
            "held-out frequency shows what sorting after training gives without any in-training reordering (its keys come from the " +
            "same rows as the curve, which flatters it a little).");
    }

    static ReportPlot Density(IReadOnlyList<RunResults> runs, string dir, int seeds)
    {
        var series = runs.Select(r => new DensitySeries(r.Run.Name, r.Seeds.Select(s => s.Frequencies).ToList())).ToList();
        DensityHistogramPlot.Save(Path.Combine(dir, FeatureDensity), series, title: $"Feature density on held-out tokens (mean over {seeds} seed(s))");
        return new ReportPlot(FeatureDensity, "Feature density",
            "How many features fire at each frequency on the held-out tokens (log10 bins, features per SAE averaged over seeds). " +
            "Dense features sit on the right, rarely firing ones on the left; dead features are counted in the legend.");
    }

    static PrefixCurve? MeanCurve(RunResults r, string ordering)
    {
        var perSeed = r.Seeds.Select(s => s.PrefixCurves.Where(p => p.Ordering == ordering).OrderBy(p => p.Features).ToList()).Where(l => l.Count > 0).ToList();
        if (perSeed.Count == 0) return null;
        var sizes = perSeed[0].Select(p => p.Features).ToList();
        var values = sizes.Select(n => perSeed.Select(l => l.FirstOrDefault(p => p.Features == n).ExplainedVariance).Average()).ToList();
        return new PrefixCurve(ordering, sizes, values);
    }

    /// <summary>The history snapshot of a run folder at the last step at or before <paramref name="step"/>.</summary>
    static float[]? Snapshot(string runDirectory, long step)
    {
        var path = Path.Combine(runDirectory, RunFolder.FeatureHistory);
        if (!File.Exists(path)) return null;
        var h = FeatureHistoryFile.Read(path);
        int index = Array.FindLastIndex(h.Steps, s => s <= step);
        return index < 0 ? null : h.Frequencies[index];
    }

    /// <summary>Each array sorted descending, then averaged rank by rank (rank k = mean of each seed's k-th largest).</summary>
    public static float[] RankwiseMean(IReadOnlyList<float[]> perSeed)
    {
        ArgumentNullException.ThrowIfNull(perSeed);
        int m = perSeed.Max(a => a.Length);
        var sum = new double[m];
        foreach (var a in perSeed)
        {
            var sorted = a.OrderByDescending(v => v).ToArray();
            for (int i = 0; i < sorted.Length; i++) sum[i] += sorted[i];
        }
        return sum.Select(s => (float)(s / perSeed.Count)).ToArray();
    }
}
