using Microsoft.ML;
using MLSae.Evaluation.Probing;

namespace MLSae.Tests.Evaluation;

public class ProbingTests
{
    [Fact]
    public void LogisticRegression_MatchesHandWorkedSolution()
    {
        // Points x=+1 (y=1) and x=-1 (y=0): by symmetry b=0, and the optimum solves
        // -2 sigma(-w) + lambda w = 0. With lambda = 1/(2 ln 3), w = ln 3 (sigma(-ln 3) = 1/4).
        double lambda = 1 / (2 * Math.Log(3));
        var model = LogisticRegression.Fit([1.0, -1.0], 2, 1, [true, false], lambda);
        Assert.Equal(Math.Log(3), model.Weights[0], 10);
        Assert.Equal(0.0, model.Bias, 10);
    }

    [Fact]
    public void LogisticRegression_GradientVanishesAtTheFit()
    {
        const int n = 60, p = 4;
        var rng = new Random(3);
        var x = new double[n * p];
        var y = new bool[n];
        for (int i = 0; i < n; i++)
        {
            double z = 0.5;
            for (int j = 0; j < p; j++) { x[i * p + j] = rng.NextDouble() * 2 - 1; z += (j + 1) * x[i * p + j]; }
            y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-z));
        }
        const double lambda = 0.3;
        var model = LogisticRegression.Fit(x, n, p, y, lambda);
        // Independent gradient of sum log-loss + lambda/2 ||w||^2.
        var g = new double[p + 1];
        for (int i = 0; i < n; i++)
        {
            double z = model.Bias;
            for (int j = 0; j < p; j++) z += model.Weights[j] * x[i * p + j];
            double r = 1 / (1 + Math.Exp(-z)) - (y[i] ? 1 : 0);
            for (int j = 0; j < p; j++) g[j] += r * x[i * p + j];
            g[p] += r;
        }
        for (int j = 0; j < p; j++) g[j] += lambda * model.Weights[j];
        Assert.All(g, v => Assert.True(Math.Abs(v) < 1e-6, $"gradient component {v}"));
    }

    [Fact]
    public void OneLatentCarriesTheLabel_Top1AccuracyNearOne()
    {
        // 300 texts, 3 balanced-ish classes; SAE latent 7 is 1 + noise for class "b", noise otherwise.
        // Raw activations are pure noise, so the raw probe stays near chance.
        const int n = 300, d = 8, m = 30;
        var rng = new Random(11);
        var labels = Enumerable.Range(0, n).Select(i => (i % 3) switch { 0 => "a", 1 => "b", _ => "c" }).ToArray();
        var raw = new float[n * d];
        var codes = new float[n * m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) raw[i * d + j] = (float)rng.NextDouble();
            for (int j = 0; j < m; j++) codes[i * m + j] = (float)(0.3 * rng.NextDouble());
            if (labels[i] == "b") codes[i * m + 7] += 1f;
        }
        var data = new PooledProbingData(raw, d, codes, m, labels);
        // Through the catalog, as an ML.NET user calls it (it runs SparseProbingEvaluator).
        var result = new MLContext(seed: 0).SaeEvaluation().EvaluateSparseProbing(data, new SparseProbingOptions { PositiveClass = "b", KValues = [1, 2, 5] });

        var task = Assert.Single(result.Tasks);
        Assert.Equal([7], task.SaeTopKLatents[1]);
        Assert.True(task.SaeTopK[1] >= 0.97, $"top-1 SAE accuracy {task.SaeTopK[1]}");
        Assert.True(task.LlmTopK[1] < 0.8, $"raw noise probe accuracy {task.LlmTopK[1]}");
        // Balanced: 100 positives, 100 of the 200 negatives; 20% of each held out.
        Assert.Equal(20, task.TestPerClass);
        Assert.Equal(80, task.TrainPerClass);
        Assert.False(double.IsNaN(task.SaeTestAccuracy)); // m = 30 is under the full-probe width
    }

    [Fact]
    public void OneVsRest_MakesOneTaskPerClass_AndIsDeterministic()
    {
        const int n = 120, d = 3, m = 5;
        var rng = new Random(2);
        var labels = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? "x" : "y").ToArray();
        var raw = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray();
        var codes = Enumerable.Range(0, n * m).Select(_ => (float)rng.NextDouble()).ToArray();
        var data = new PooledProbingData(raw, d, codes, m, labels);
        var opts = new SparseProbingOptions { KValues = [1, 2] };
        var r1 = new SparseProbingEvaluator(opts).Evaluate(data);
        var r2 = new SparseProbingEvaluator(opts).Evaluate(data);
        Assert.Equal(["x vs rest", "y vs rest"], r1.Tasks.Select(t => t.Name));
        Assert.Equal(r1.SaeTopK[2], r2.SaeTopK[2]);
        Assert.Equal(r1.LlmTestAccuracy, r2.LlmTestAccuracy);
    }

    [Fact]
    public void RankByMeanDifference_OrdersByAbsoluteGap()
    {
        // Two features; rows 0,1 positive, 2,3 negative. Gaps: feature 0 |1 - 0| = 1, feature 1 |0 - 3| = 3.
        float[] x = [1, 0, 1, 0, 0, 3, 0, 3];
        var order = SparseProbingEvaluator.RankByMeanDifference(x, 2, [0, 1, 2, 3], [true, true, false, false]);
        Assert.Equal([1, 0], order);
    }

    [Fact]
    public void Reader_ReadsJsonLinesAndCsv_AndNamesMissingFields()
    {
        var dir = RepoPaths.NewTempDir();
        var jsonl = Path.Combine(dir, "a.jsonl");
        File.WriteAllText(jsonl, "{\"text\":\"hello\",\"label\":\"x\"}\n\n{\"text\":\"bye\",\"label\":2}\n");
        Assert.Equal([new LabeledText("hello", "x"), new LabeledText("bye", "2")], LabeledTextReader.Read(jsonl));
        var csv = Path.Combine(dir, "b.csv");
        File.WriteAllText(csv, "year,party,text\n1790,Federalist,\"a, b\"\n1791,Whig,c\n");
        Assert.Equal([new LabeledText("a, b", "Federalist"), new LabeledText("c", "Whig")], LabeledTextReader.Read(csv, "party"));
        var e = Assert.Throws<FormatException>(() => LabeledTextReader.Read(csv, "genre"));
        Assert.Contains("genre", e.Message);
    }
}
