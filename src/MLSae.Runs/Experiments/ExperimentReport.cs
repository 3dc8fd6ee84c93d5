using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MathNet.Numerics.Distributions;
using MLSae.Activations.Cache;
using MLSae.Evaluation.Consistency;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Reporting.Reports;
using MLSae.Scoring;
using MLSae.Training;

namespace MLSae.Runs.Experiments;

/// <summary>
/// report.md of an experiment, beside its plots (OUT/report): setup, the run list, a metrics table (mean ± std
/// over seeds, read from each run's eval.json), differences from each run's control with their standard
/// errors, a reading of what those differences can and cannot show, and the plots.
/// </summary>
public static class ExperimentReport
{
    /// <summary>The report folder inside the output folder.</summary>
    public const string Folder = "report";
    /// <summary>The report file name.</summary>
    public const string FileName = "report.md";

    /// <summary>Columns of the metrics table (those present).</summary>
    public static readonly IReadOnlyList<string> Metrics =
        [ExperimentResults.FinalLoss, "explained_variance", "mse", "cossim", "l0", "l1", "frac_alive", "kl_div_score", "ce_loss_score", "embedding_cosine_score", ExperimentResults.Reorders];

    /// <summary>Columns of the differences table.</summary>
    public static readonly IReadOnlyList<string> DifferenceMetrics =
        [ExperimentResults.FinalLoss, "explained_variance", "mse", "cossim", "l0", "l1", "frac_alive", "kl_div_score", "ce_loss_score", "embedding_cosine_score"];

    /// <summary>Draws the plots and writes report.md into <paramref name="reportDirectory"/>; returns its path.</summary>
    public static string Write(ExperimentDefinition experiment, IReadOnlyList<RunResults> results, string reportDirectory, ActivationCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(results);
        var plots = ExperimentPlots.Draw(experiment, results, reportDirectory);
        var path = Path.Combine(reportDirectory, FileName);
        ExperimentReportWriter.Write(path, new ExperimentReportContent
        {
            Title = experiment.Name + (experiment.IsQuick ? " (quick)" : ""),
            Runs = ToRunResults(results),
            Plots = plots,
            Introduction = Introduction(experiment, results, cache),
            // The frontier does not need seeds: it is part of the reading even when differences cannot be judged.
            Reading = Reading(experiment, results) + ExperimentFrontier.Table(results),
            Metrics = Metrics,
            DifferenceMetrics = DifferenceMetrics,
        });
        return path;
    }

    /// <summary>The writer's view: per metric one value per seed (NaN where a seed lacks it).</summary>
    public static IReadOnlyList<RunResult> ToRunResults(IReadOnlyList<RunResults> results) =>
        results.Select(r => new RunResult(r.Run.Name, r.Run.Control,
            r.Seeds.SelectMany(s => s.Metrics.Keys).Distinct().ToDictionary(k => k,
                k => (IReadOnlyList<double>)r.Seeds.Select(s => s.Metrics.TryGetValue(k, out var v) ? v : double.NaN).ToList()))).ToList();

    static string Introduction(ExperimentDefinition e, IReadOnlyList<RunResults> results, ActivationCache? cache)
    {
        var sb = new StringBuilder();
        if (e.Description is not null) sb.AppendLine(e.Description).AppendLine();
        sb.AppendLine("## Setup").AppendLine();
        var s = e.Source;
        if (cache is not null)
        {
            long heldOut = (long)Math.Floor(cache.RowCount * s.HeldOutFraction);
            var text = s.Text == ExperimentDefaults.SdkDocsText ? "the .NET SDK's XML API documentation (sdk-docs)" : $"`{s.Text}`";
            var origin = s.Activations is null ? Inv($" of {text}, {s.Context}-token contexts") : $" from `{s.Activations}`";
            sb.AppendLine(Inv($"- Activations: {cache.Manifest.Model} at {cache.Manifest.Hook} (d = {cache.Dimension}), {cache.RowCount:N0} tokens{origin}; the last {heldOut:N0} ({s.HeldOutFraction:P0}) are held out from training and the reconstruction and sparsity metrics below are measured on them (final_loss is the training loss)."));
            long downstream = e.Runs.Max(r => r.Eval.DownstreamTokens);
            if (downstream > 0 && s.Activations is null)
                sb.AppendLine(Inv($"- Downstream preservation (kl_div_score / ce_loss_score for causal LMs, embedding_cosine_score for encoders): the SAE spliced into the model at the hook, on up to {downstream:N0} text tokens of the corpus's last {ExperimentDefaults.DownstreamDocuments} documents, which training never reads (docs/evaluation.md)."));
        }
        sb.AppendLine(Inv($"- Seeds: {string.Join(", ", e.Seeds)}. A seed fixes the SAE's initialisation and the batch order, so runs with the same seed see the same batches; statistics are over seeds."));
        if (e.IsQuick)
            sb.AppendLine(Inv($"- **Quick mode**: step counts (steps, warm-ups, reorder warm-ups and intervals) divided by {e.Quick.StepFactor}, token counts (batch size, extracted tokens) by {e.Quick.TokenFactor}. The schedule keeps its shape; the SAEs are far from converged, so read this as a smoke test of the ladder, not as its result."));
        var (train, eval) = Timing(results);
        if (train > 0)
            sb.AppendLine(Inv($"- Compute: {train / 60:F1} min training and {eval / 60:F1} min evaluation in total (summed over runs and seeds, as measured when each ran)."));
        sb.AppendLine();

        sb.AppendLine("## Runs").AppendLine();
        sb.AppendLine("| run | description | control | arch | steps | batch × accum | LR warm-up, schedule | adaptive L1 | reorder | warm-up | interval | state |");
        sb.AppendLine("| --- | --- | --- | --- | ---: | ---: | --- | --- | --- | ---: | ---: | --- |");
        foreach (var r in results.Select(x => x.Run))
        {
            var t = r.Train.Training;
            var o = r.Train.Ordering;
            bool reorders = o.Strategy != ReorderStrategyKind.None;
            sb.AppendLine(Inv($"| {r.Name} | {r.Description ?? ""} | {r.Control ?? ""} | {t.Architecture} | {t.ResolveSteps():N0} | {t.BatchSize:N0} × {t.GradientAccumulation} | {t.WarmupSteps:N0}, {t.LearningRateSchedule} | {(t.AdaptiveL1 ? "yes" : "no")} | {o.Strategy}{(o.Strategy is ReorderStrategyKind.Adaptive or ReorderStrategyKind.Hybrid ? $" (var > {o.VarianceThreshold:G3} over {o.VarianceWindow})" : "")} | {(reorders ? o.Warmup.ToString("N0", CultureInfo.InvariantCulture) : "")} | {(o.Strategy is ReorderStrategyKind.Periodic or ReorderStrategyKind.Hybrid ? o.Interval.ToString("N0", CultureInfo.InvariantCulture) : "")} | {(reorders ? o.StateMode.ToString() : "")} |"));
        }
        sb.AppendLine();
        sb.AppendLine("Every run's full training configuration is in `runs/{run}/seed-{s}/run.json` of the output folder and in `experiment.json`.");
        return sb.ToString();
    }

    /// <summary>What the differences can show: grouped counts of differences beyond the spread, with the number expected by chance.</summary>
    static string Reading(ExperimentDefinition e, IReadOnlyList<RunResults> results)
    {
        var byName = results.ToDictionary(r => r.Run.Name);
        var groups = new[]
        {
            ("Exact reordering (optimizer state permuted with the features)", (Func<ExperimentRun, bool>)(r => r.Train.Ordering.Strategy != ReorderStrategyKind.None && r.Train.Ordering.StateMode == ReorderStateMode.Exact)),
            ("Naive reordering (optimizer state left in the old order)", r => r.Train.Ordering.Strategy != ReorderStrategyKind.None && r.Train.Ordering.StateMode == ReorderStateMode.Naive),
            ("Other differences from the control (no reordering involved)", r => r.Train.Ordering.Strategy == ReorderStrategyKind.None),
        };
        var sb = new StringBuilder();
        sb.AppendLine("## Reading the differences").AppendLine();
        int n = e.Seeds.Count;
        if (n < 2)
        {
            sb.AppendLine("With one seed there is no estimate of seed-to-seed spread, so no difference can be called real. Run with 3 seeds or more.");
            return sb.ToString();
        }
        // Under pure noise, (difference / standard error) follows roughly a t distribution with 2(n - 1) degrees of freedom.
        double falseAlarm = 2 * (1 - StudentT.CDF(0, 1, 2.0 * (n - 1), 2.0));
        sb.AppendLine(Inv($"With {n} seeds per run, a difference that is pure seed noise still exceeds twice its standard error about {falseAlarm:P0} of the time (t distribution with {2 * (n - 1)} degrees of freedom), so among many comparisons some bold cells are expected by chance.") +
            " Runs with the same seed start from the same weights and see the same batches; the standard errors ignore that pairing and are conservative.");
        sb.AppendLine();
        foreach (var (title, member) in groups)
        {
            var runs = results.Where(r => r.Run.Control is not null && member(r.Run) && byName.ContainsKey(r.Run.Control!)).ToList();
            if (runs.Count == 0) continue;
            int beyond = 0, judged = 0;
            var flagged = new List<string>();
            var neverReordered = new List<string>();
            foreach (var r in runs)
            {
                var control = byName[r.Run.Control!];
                foreach (var metric in DifferenceMetrics)
                {
                    var a = Summ(r, metric);
                    var b = Summ(control, metric);
                    if (a.Count < 2 || b.Count < 2) continue;
                    judged++;
                    if (SeedStatistics.Compare(a, b).Verdict == Verdict.BeyondSpread) { beyond++; flagged.Add($"{r.Run.Name} {metric}"); }
                }
                if (r.Run.Train.Ordering.Strategy != ReorderStrategyKind.None && r.Seeds.All(s => s.ReorderSteps.Count == 0))
                    neverReordered.Add(r.Run.Name);
            }
            sb.Append($"**{title}.** {beyond} of {judged} differences exceed twice their standard error; about {falseAlarm * judged:F1} would by chance alone" +
                (flagged.Count > 0 ? $" ({string.Join(", ", flagged.Take(12))}{(flagged.Count > 12 ? ", ..." : "")})." : "."));
            if (Paired(runs, byName) is { } paired)
                sb.Append(Inv($" Seed by seed (same initialisation and batches as the control), explained variance differs by at most {paired.Max:0.##e+0} (median {paired.Median:0.##e+0}); the seed-to-seed standard deviation is about {paired.SeedStd:0.##e+0}."));
            if (title.StartsWith("Exact", StringComparison.Ordinal))
                sb.Append(" With exact state permutation and a loss that treats features symmetrically (ReLU + L1, JumpReLU, TopK, BatchTopK), a reorder only relabels features: " +
                    "such a run equals its no-reorder control up to float32 rounding, which training amplifies over time (docs/ordering.md measures it). " +
                    "Differences there should therefore be tiny next to the seed spread; where they are not, suspect rounding drift before an effect of the ordering. " +
                    "Matryoshka and ordered SAEs are the exception: their loss sees the order, so a reorder really changes their training.");
            else if (title.StartsWith("Naive", StringComparison.Ordinal))
                sb.Append(" Naive reordering gives each feature another feature's Adam moments after every reorder, so training really changes; " +
                    "this is what ad-hoc implementations do. A difference beyond the spread here is an effect of that bug, not of the ordering idea.");
            else
                sb.Append(" These runs differ from their control in a training setting other than ordering.");
            if (neverReordered.Count > 0)
                sb.Append($" {string.Join(", ", neverReordered)} never reordered in any seed (e.g. the adaptive variance threshold was never reached; see docs/ordering.md), " +
                    $"so {(neverReordered.Count == 1 ? "it" : "they")} trained exactly like {(neverReordered.Count == 1 ? "its" : "their")} control: the differences are 0.");
            sb.AppendLine().AppendLine();
        }
        sb.AppendLine("Where ordering can be judged at all is the order itself: how much of the reconstruction the first n features carry.");
        sb.AppendLine();
        PrefixTable(sb, results);
        ConsistencyTable(sb, results);
        return sb.ToString();
    }

    /// <summary>Above this many features the report skips the O(m^3) one-to-one matching (seconds per seed pair at 3,072).</summary>
    const int MaxReportMatchingFeatures = 4096;

    /// <summary>
    /// Cross-seed consistency per run (mean ± std over seed pairs, <see cref="FeatureConsistency"/>): do seeds learn the
    /// same features (mean max decoder cosine; the fraction of optimally matched pairs above 0.7 and 0.9, as the
    /// ordered-SAE paper reports), and in the same places (index consistency)?
    /// </summary>
    static void ConsistencyTable(StringBuilder sb, IReadOnlyList<RunResults> results)
    {
        var rows = new List<string>();
        int m = 0;
        bool matched = false;
        foreach (var r in results)
        {
            var saes = r.Seeds.Select(s => TryLoad(s.Directory)).OfType<SaeWeights>().ToList();
            if (saes.Count < 2) continue;
            m = saes[0].FeatureCount;
            matched = m <= MaxReportMatchingFeatures;
            var pairs = new List<FeatureConsistencyResult>();
            for (int i = 0; i < saes.Count; i++)
                for (int j = i + 1; j < saes.Count; j++) pairs.Add(FeatureConsistency.Compute(saes[i], saes[j], optimalMatching: matched));
            static double At(FeatureConsistencyResult c, int n) => c.IndexConsistency.LastOrDefault(p => p.Features <= n).MeanCosine;
            string Cell(Func<FeatureConsistencyResult, double> value, string format)
            {
                var v = pairs.Select(value).ToList();
                double mean = v.Average();
                if (v.Count == 1) return mean.ToString(format, CultureInfo.InvariantCulture);
                double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
                return mean.ToString(format, CultureInfo.InvariantCulture) + " ± " + std.ToString(format, CultureInfo.InvariantCulture);
            }
            var cells = new List<string> { Cell(p => (p.MeanMaxCosine + p.MeanMaxCosineReverse) / 2, "F3") };
            if (matched) cells.AddRange([Cell(p => p.FractionAbove07, "F3"), Cell(p => p.FractionAbove09, "F3")]);
            cells.AddRange([Cell(p => At(p, 32), "F3"), Cell(p => At(p, Math.Max(1, m / 16)), "F3"), Cell(p => At(p, m), "F3")]);
            rows.Add($"| {r.Run.Name} | {string.Join(" | ", cells)} |");
        }
        if (rows.Count == 0) return;
        sb.AppendLine();
        sb.AppendLine("Cross-seed consistency (mean ± std over seed pairs): the mean max decoder cosine and the fraction of optimally matched (one-to-one) feature pairs above 0.7 and 0.9 say whether seeds learn the same features; " +
            "index consistency, the mean cosine between feature i of one seed and feature i of another over the first n features, says whether they put them in the same place, which is what a stable order buys. " +
            "Unordered runs sit near 0 on the second." + (matched ? "" : Inv($" The matching is skipped above {MaxReportMatchingFeatures:N0} features; `mlsae compare` computes it.")));
        sb.AppendLine();
        var header = new List<string> { "mean max cosine" };
        if (matched) header.AddRange(["matched > 0.7", "matched > 0.9"]);
        header.AddRange(["index consistency, n=32", Inv($"n={Math.Max(1, m / 16)}"), Inv($"n={m}")]);
        sb.AppendLine($"| run | {string.Join(" | ", header)} |");
        sb.AppendLine("| --- |" + string.Concat(header.Select(_ => " ---: |")));
        foreach (var row in rows) sb.AppendLine(row);
    }

    static SaeWeights? TryLoad(string runDirectory)
    {
        try { return SaeLoader.Load(runDirectory); }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException) { return null; }
    }

    /// <summary>
    /// Explained variance with the first n features (mean ± std over seeds) for two prefix sizes, in the run's own order
    /// and sorted post hoc by held-out frequency and randomly: does the trained order beat random?
    /// </summary>
    static void PrefixTable(StringBuilder sb, IReadOnlyList<RunResults> results)
    {
        var sizes = results.SelectMany(r => r.Seeds).SelectMany(s => s.PrefixCurves).Select(p => p.Features).Distinct().Order().ToList();
        if (sizes.Count < 3) return;
        int m = sizes[^1];
        // The largest grid sizes at or below m/8 and m/4.
        var shown = new[] { m / 8, m / 4 }.Select(t => sizes.LastOrDefault(n => n <= t)).Where(n => n > 0).Distinct().ToList();
        if (shown.Count == 0) return;
        string Cell(RunResults r, string ordering, int n)
        {
            var v = r.Seeds.Select(s => s.PrefixCurves.Where(p => p.Ordering == ordering && p.Features == n).Select(p => p.ExplainedVariance).DefaultIfEmpty(double.NaN).First());
            var s = SeedStatistics.Summarize(v);
            return s.Count == 0 ? "" : ExperimentReportWriter.Format(s);
        }
        sb.AppendLine(Inv($"Explained variance on held-out tokens from the first n of {m} features (mean ± std over seeds): in the run's own order (as trained), sorted post hoc by held-out frequency, and in a random order. The post-hoc frequencies are measured on the same rows as the curve, which flatters that order a little; the trained order is measured out of sample."));
        sb.AppendLine();
        var columns = shown.SelectMany(n => new[] { $"as trained, n={n}", $"frequency, n={n}", $"random, n={n}" }).ToList();
        sb.AppendLine("| run | " + string.Join(" | ", columns) + " |");
        sb.AppendLine("| --- | " + string.Join(" | ", columns.Select(_ => "---:")) + " |");
        foreach (var r in results)
            sb.AppendLine($"| {r.Run.Name} | " + string.Join(" | ", shown.SelectMany(n => new[] { Cell(r, "original", n), Cell(r, "frequency", n), Cell(r, "random", n) })) + " |");
    }

    /// <summary>Per-seed |run - control| of explained variance over <paramref name="runs"/> (max, median) and the mean seed std of the controls.</summary>
    static (double Max, double Median, double SeedStd)? Paired(IReadOnlyList<RunResults> runs, IReadOnlyDictionary<string, RunResults> byName)
    {
        const string metric = "explained_variance";
        var diffs = new List<double>();
        var stds = new List<double>();
        foreach (var r in runs)
        {
            var control = byName[r.Run.Control!];
            foreach (var s in r.Seeds)
            {
                var c = control.Seeds.FirstOrDefault(x => x.Seed == s.Seed);
                if (c is not null && s.Metrics.TryGetValue(metric, out var a) && c.Metrics.TryGetValue(metric, out var b)) diffs.Add(Math.Abs(a - b));
            }
            var cs = Summ(control, metric);
            if (cs.Count > 1) stds.Add(cs.Std);
        }
        if (diffs.Count == 0 || stds.Count == 0) return null;
        diffs.Sort();
        return (diffs[^1], diffs[diffs.Count / 2], stds.Average());
    }

    static Reporting.Plots.MeanStd Summ(RunResults r, string metric) =>
        SeedStatistics.Summarize(r.Seeds.Select(s => s.Metrics.TryGetValue(metric, out var v) ? v : double.NaN));

    static (double Train, double Eval) Timing(IReadOnlyList<RunResults> results)
    {
        double train = 0, eval = 0;
        foreach (var s in results.SelectMany(r => r.Seeds))
        {
            var path = Path.Combine(s.Directory, RunFolder.ExperimentTiming);
            if (!File.Exists(path) || JsonNode.Parse(File.ReadAllText(path)) is not JsonObject o) continue;
            train += o["train_seconds"]?.GetValue<double>() ?? 0;
            eval += o["eval_seconds"]?.GetValue<double>() ?? 0;
        }
        return (train, eval);
    }

    static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
