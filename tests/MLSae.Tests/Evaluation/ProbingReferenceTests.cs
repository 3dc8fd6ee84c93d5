using MLSae.Evaluation.Probing;

namespace MLSae.Tests.Evaluation;

/// <summary>
/// Sparse probing end to end against the procedure of docs/evaluation.md written out independently: class balance
/// and split by <c>Random(seed + task)</c>, ranking by |mean(pos) - mean(neg)| in double loops, standardisation with
/// the training mean and population standard deviation, and an L2 logistic regression (bias unpenalised) fitted by a
/// plain Newton iteration with Gaussian elimination (not <see cref="LogisticRegression"/>), threshold 0.5.
/// </summary>
public class ProbingReferenceTests
{
    static double[] NewtonFit(double[][] x, bool[] y, double lambda)
    {
        int p = x[0].Length, q = p + 1;   // weights, then the bias
        var beta = new double[q];
        for (int iter = 0; iter < 100; iter++)
        {
            var g = new double[q];
            var h = new double[q, q];
            for (int i = 0; i < x.Length; i++)
            {
                var v = x[i].Append(1.0).ToArray();
                double z = 0;
                for (int a = 0; a < q; a++) z += beta[a] * v[a];
                double s = 1 / (1 + Math.Exp(-z)), r = s - (y[i] ? 1 : 0), wgt = s * (1 - s);
                for (int a = 0; a < q; a++)
                {
                    g[a] += r * v[a];
                    for (int b = 0; b < q; b++) h[a, b] += wgt * v[a] * v[b];
                }
            }
            for (int a = 0; a < p; a++) { g[a] += lambda * beta[a]; h[a, a] += lambda; }
            if (g.Max(Math.Abs) < 1e-12) break;
            // Solve h step = g by Gaussian elimination with partial pivoting.
            var aug = new double[q, q + 1];
            for (int a = 0; a < q; a++) { for (int b = 0; b < q; b++) aug[a, b] = h[a, b]; aug[a, q] = g[a]; }
            for (int c = 0; c < q; c++)
            {
                int piv = Enumerable.Range(c, q - c).MaxBy(r => Math.Abs(aug[r, c]));
                for (int b = 0; b <= q; b++) (aug[c, b], aug[piv, b]) = (aug[piv, b], aug[c, b]);
                for (int r = c + 1; r < q; r++)
                {
                    double f = aug[r, c] / aug[c, c];
                    for (int b = c; b <= q; b++) aug[r, b] -= f * aug[c, b];
                }
            }
            var step = new double[q];
            for (int a = q - 1; a >= 0; a--)
            {
                double s = aug[a, q];
                for (int b = a + 1; b < q; b++) s -= aug[a, b] * step[b];
                step[a] = s / aug[a, a];
            }
            for (int a = 0; a < q; a++) beta[a] -= step[a];
        }
        return beta;
    }

    static double ReferenceAccuracy(float[] data, int width, int[] features, int[] train, int[] test, bool[] isPositive)
    {
        int p = features.Length;
        var mean = new double[p];
        var std = new double[p];
        for (int j = 0; j < p; j++)
        {
            mean[j] = train.Average(i => (double)data[i * width + features[j]]);
            std[j] = Math.Sqrt(train.Average(i => Math.Pow(data[i * width + features[j]] - mean[j], 2)));
            if (!(std[j] > 1e-12)) std[j] = 1;
        }
        double[] Row(int i) => Enumerable.Range(0, p).Select(j => (data[i * width + features[j]] - mean[j]) / std[j]).ToArray();
        var beta = NewtonFit(train.Select(Row).ToArray(), train.Select(i => isPositive[i]).ToArray(), SparseProbingDefaults.L2);
        int correct = 0;
        foreach (var i in test)
        {
            var v = Row(i);
            double z = beta[p];
            for (int j = 0; j < p; j++) z += beta[j] * v[j];
            if ((z >= 0) == isPositive[i]) correct++;
        }
        return (double)correct / test.Length;
    }

    static int[] ReferenceRanking(float[] data, int width, int[] train, bool[] isPositive)
    {
        var gap = new double[width];
        for (int j = 0; j < width; j++)
        {
            double pos = train.Where(i => isPositive[i]).Average(i => (double)data[i * width + j]);
            double neg = train.Where(i => !isPositive[i]).Average(i => (double)data[i * width + j]);
            gap[j] = Math.Abs(pos - neg);
        }
        return Enumerable.Range(0, width).OrderByDescending(j => gap[j]).ThenBy(j => j).ToArray();
    }

    [Fact]
    public void TopKAndFullProbes_MatchTheIndependentProcedure()
    {
        // 70 positives and 110 negatives; weak signal in several latents and raw dims so accuracies sit between chance and 1.
        const int n = 180, d = 6, m = 14, seed = 9;
        var rng = new Random(5);
        var labels = Enumerable.Range(0, n).Select(i => i % 18 < 7 ? "p" : "q").ToArray();
        var isPositive = labels.Select(l => l == "p").ToArray();
        var raw = new float[n * d];
        var codes = new float[n * m];
        for (int i = 0; i < n; i++)
        {
            double y = isPositive[i] ? 1 : 0;
            for (int j = 0; j < d; j++) raw[i * d + j] = (float)(rng.NextDouble() + 0.25 * j * y);
            for (int j = 0; j < m; j++) codes[i * m + j] = (float)Math.Max(0, rng.NextDouble() - 0.4 + 0.08 * (j % 5) * y);
        }
        var data = new PooledProbingData(raw, d, codes, m, labels);
        int[] ks = [1, 2, 5];
        var result = new SparseProbingEvaluator(new SparseProbingOptions { PositiveClass = "p", KValues = ks, Seed = seed }).Evaluate(data);
        var task = Assert.Single(result.Tasks);

        // Balance and split as documented: shuffle positives then negatives with Random(seed + 0); the first 20% test.
        var split = new Random(seed);
        var pos = Enumerable.Range(0, n).Where(i => isPositive[i]).ToArray();
        var neg = Enumerable.Range(0, n).Where(i => !isPositive[i]).ToArray();
        split.Shuffle(pos);
        split.Shuffle(neg);
        int perClass = Math.Min(pos.Length, neg.Length), testPer = (int)Math.Round(perClass * 0.2);
        int[] train = [.. pos[testPer..perClass], .. neg[testPer..perClass]];
        int[] test = [.. pos[..testPer], .. neg[..testPer]];
        Assert.Equal(testPer, task.TestPerClass);
        Assert.Equal(perClass - testPer, task.TrainPerClass);

        var rawRank = ReferenceRanking(raw, d, train, isPositive);
        var codeRank = ReferenceRanking(codes, m, train, isPositive);
        var seen = new HashSet<double>();
        foreach (var k in ks)
        {
            Assert.Equal(codeRank[..k], task.SaeTopKLatents[k]);
            double sae = ReferenceAccuracy(codes, m, codeRank[..k], train, test, isPositive);
            Assert.Equal(sae, task.SaeTopK[k], 12);
            if (k <= d) Assert.Equal(ReferenceAccuracy(raw, d, rawRank[..k], train, test, isPositive), task.LlmTopK[k], 12);
            seen.Add(sae);
        }
        Assert.Equal(ReferenceAccuracy(raw, d, Enumerable.Range(0, d).ToArray(), train, test, isPositive), task.LlmTestAccuracy, 12);
        Assert.Equal(ReferenceAccuracy(codes, m, Enumerable.Range(0, m).ToArray(), train, test, isPositive), task.SaeTestAccuracy, 12);
        // Not a degenerate case: accuracies differ across k and stay away from 0.5 and 1.
        Assert.True(seen.Count >= 2 && seen.All(a => a > 0.55 && a < 0.999), $"SAE top-k accuracies {string.Join(", ", seen)}");
    }
}
