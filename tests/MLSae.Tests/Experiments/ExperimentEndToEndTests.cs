using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MLSae.Runs.Experiments;

namespace MLSae.Tests.Experiments;

public partial class ExperimentEndToEndTests
{
    static readonly string[] Runs = ["control", "periodic", "periodic-naive"];
    static readonly int[] Seeds = [1, 2];

    /// <summary>eval.json group of each checked metric (read here with JsonDocument, not through the code under test).</summary>
    static readonly (string Metric, string Group)[] Checked =
        [("explained_variance", "reconstruction_quality"), ("mse", "reconstruction_quality"), ("l0", "sparsity"), ("l1", "sparsity"), ("frac_alive", "misc_metrics")];

    static double EvalValue(string runDir, string group, string metric)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "eval.json")));
        return doc.RootElement.GetProperty("eval_result_metrics").GetProperty(group).GetProperty(metric).GetDouble();
    }

    // The report's number format (docs/experiments.md): F1 from 100, F4 from 0.01, else 3 significant digits.
    static string Num(double v) => Math.Abs(v) >= 100 ? v.ToString("F1", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 0.01 || v == 0 ? v.ToString("F4", CultureInfo.InvariantCulture)
        : v.ToString("0.00e+0", CultureInfo.InvariantCulture);

    static (double Mean, double Std) MeanStd(IReadOnlyList<double> v)
    {
        double sum = 0;
        foreach (var x in v) sum += x;
        double mean = sum / v.Count, ss = 0;
        foreach (var x in v) ss += (x - mean) * (x - mean);
        return (mean, Math.Sqrt(ss / (v.Count - 1)));
    }

    /// <summary>The cells of the table row starting with <paramref name="first"/> cells, keyed by the header of its table.</summary>
    static Dictionary<string, string> Row(string markdown, params string[] first)
    {
        var lines = markdown.Split('\n');
        var prefix = "| " + string.Join(" | ", first) + " |";
        int i = Array.FindIndex(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(i > 0, $"no row {prefix}");
        int separator = i;
        while (!lines[separator].StartsWith("| ---", StringComparison.Ordinal)) separator--;
        var names = Cells(lines[separator - 1]);
        var cells = Cells(lines[i]);
        return names.Zip(cells).ToDictionary(p => p.First, p => p.Second);
    }

    static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    [Fact]
    [Trait("Category", "Integration")]
    public void TinyExperimentWritesEveryFile_AndTheReportMatchesEvalJson()
    {
        var cache = ExperimentTestData.WriteCache(2000, d: 8);
        var experiment = ExperimentTestData.Experiment(cache, steps: 60, seeds: "[1, 2]");
        var outDir = RepoPaths.NewTempDir("mlsae-exp-e2e");
        var summary = new ExperimentRunner(experiment, outDir).Run();
        Assert.Equal((6, 0), (summary.Trained, summary.Skipped));

        foreach (var run in Runs)
            foreach (var seed in Seeds)
            {
                var dir = Path.Combine(outDir, "runs", run, $"seed-{seed}");
                foreach (var file in new[] { "run.json", "config.json", "metrics.csv", "sae.onnx", "feature_history.bin", "eval.json", "prefix_curves.csv", "experiment_timing.json" })
                    Assert.True(File.Exists(Path.Combine(dir, file)), $"{run} seed {seed}: {file} missing");
            }
        Assert.True(File.Exists(Path.Combine(outDir, "experiment.json")));

        var reportDir = Path.Combine(outDir, "report");
        var markdown = File.ReadAllText(Path.Combine(reportDir, "report.md"));
        Assert.Equal(summary.ReportPath, Path.Combine(reportDir, "report.md"));
        var expectedPlots = new[] { "metrics_comparison.png", "prefix_curves.png", "feature_density.png", "activation_dist_step_10.png", "activation_dist_step_60.png" }
            .Concat(Runs.Select(r => $"{r}/activation_history_step_60.png")).ToList();
        var linked = ImageLink().Matches(markdown).Select(m => m.Groups[1].Value).ToList();
        foreach (var plot in expectedPlots)
        {
            Assert.Contains(plot, linked);
            var bytes = File.ReadAllBytes(Path.Combine(reportDir, plot));
            Assert.True(bytes.Length > 10_000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{plot} is not a rendered PNG");
        }
        Assert.All(linked, l => Assert.True(File.Exists(Path.Combine(reportDir, l)), $"broken link {l}"));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories));

        // The metrics table: mean ± sample std over the two seeds of each eval.json value.
        var values = new Dictionary<(string Run, string Metric), double[]>();
        foreach (var run in Runs)
        {
            var row = Row(markdown, run, "2");
            foreach (var (metric, group) in Checked)
            {
                var v = Seeds.Select(s => EvalValue(Path.Combine(outDir, "runs", run, $"seed-{s}"), group, metric)).ToArray();
                values[(run, metric)] = v;
                var (mean, std) = MeanStd(v);
                var expected = std == 0 && mean == Math.Round(mean) ? mean.ToString("F0", CultureInfo.InvariantCulture) : $"{Num(mean)} ± {Num(std)}";
                Assert.Equal(expected, row[metric]);
            }
        }

        // The differences table: run mean - control mean ± sqrt(s1²/n1 + s2²/n2), bold beyond 2 standard errors.
        foreach (var run in new[] { "periodic", "periodic-naive" })
        {
            var row = Row(markdown, run, "control");
            foreach (var (metric, _) in Checked)
            {
                var (ma, sa) = MeanStd(values[(run, metric)]);
                var (mb, sb) = MeanStd(values[("control", metric)]);
                double diff = ma - mb, se = Math.Sqrt(sa * sa / 2 + sb * sb / 2);
                var cell = $"{(diff >= 0 ? "+" : "")}{Num(diff)} ± {Num(se)}";
                Assert.Equal(Math.Abs(diff) > 2 * se ? $"**{cell}**" : cell, row[$"Δ {metric}"]);
            }
        }

        // Exact reordering is a relabelling: the periodic run matches its control up to float32 drift, seed by seed.
        for (int s = 0; s < Seeds.Length; s++)
            Assert.True(Math.Abs(values[("periodic", "explained_variance")][s] - values[("control", "explained_variance")][s]) < 1e-3,
                $"seed {Seeds[s]}: exact reordering changed explained variance");
        Assert.True(summary.Results[1].Seeds.All(s => s.ReorderSteps.Count > 0), "the periodic run should have reordered");
        Assert.Contains("## Reading the differences", markdown);

        // Cross-seed consistency: index consistency over all m features = mean cos(W_dec,seed1[i], W_dec,seed2[i]), in double loops.
        var lines = markdown.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("| run | mean max cosine |", StringComparison.Ordinal));
        Assert.True(header > 0, "no consistency table");
        var names = Cells(lines[header]);
        foreach (var run in Runs)
        {
            var cells = Cells(lines.Skip(header + 2).First(l => l.StartsWith($"| {run} |", StringComparison.Ordinal)));
            var a = MLSae.Scoring.SaeLoader.Load(Path.Combine(outDir, "runs", run, "seed-1"));
            var b = MLSae.Scoring.SaeLoader.Load(Path.Combine(outDir, "runs", run, "seed-2"));
            double sum = 0;
            for (int i = 0; i < a.FeatureCount; i++)
            {
                double dot = 0, na = 0, nb = 0;
                for (int j = 0; j < a.InputDim; j++)
                {
                    double x = a.DecoderWeights[i * a.InputDim + j], y = b.DecoderWeights[i * b.InputDim + j];
                    dot += x * y; na += x * x; nb += y * y;
                }
                sum += dot / Math.Sqrt(na * nb);
            }
            Assert.Equal((sum / a.FeatureCount).ToString("F3", CultureInfo.InvariantCulture), cells[Array.IndexOf(names, $"n={a.FeatureCount}")]);
            // The one-to-one matching (tested on its own in FeatureConsistencyTests) is the one the report shows.
            var consistency = MLSae.Evaluation.Consistency.FeatureConsistency.Compute(a, b);
            Assert.Equal(consistency.FractionAbove07.ToString("F3", CultureInfo.InvariantCulture), cells[Array.IndexOf(names, "matched > 0.7")]);
            Assert.Equal(consistency.FractionAbove09.ToString("F3", CultureInfo.InvariantCulture), cells[Array.IndexOf(names, "matched > 0.9")]);
        }
    }

    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+)\)")]
    private static partial Regex ImageLink();
}
