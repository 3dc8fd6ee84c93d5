using MLSae.Activations;
using MLSae.Ordering;

namespace MLSae.Tests.Ordering;

public class PrefixCurveTests
{
    [Fact]
    public void MatchesBruteForceDoubleComputation()
    {
        int d = 6, m = 16, rows = 200;
        var w = PostHocTestData.RandomSae(d, m, 31);
        var x = PostHocTestData.RandomRows(rows, d, 32);
        var source = new InMemoryActivationSource(x, d);
        int[] order = FeatureOrder.Random(m, 4);
        int[] grid = [1, 3, 8, 16];
        var curve = PrefixCurves.Compute(w, source, [("r", order)], grid).Single();

        // Brute force: zero every feature outside the first n of the order, decode in double.
        var mean = new double[d];
        double sq = 0;
        for (int t = 0; t < rows; t++) for (int k = 0; k < d; k++) { mean[k] += x[t * d + k] / (double)rows; sq += (double)x[t * d + k] * x[t * d + k] / rows; }
        double variance = sq - mean.Sum(v => v * v);
        for (int g = 0; g < grid.Length; g++)
        {
            var keep = order.Take(grid[g]).ToHashSet();
            double err = 0;
            for (int t = 0; t < rows; t++)
            {
                var f = PostHocTestData.Encode(w, x, t);
                for (int i = 0; i < m; i++) if (!keep.Contains(i)) f[i] = 0;
                var xh = PostHocTestData.Decode(w, f);
                for (int k = 0; k < d; k++) err += Math.Pow(x[t * d + k] - xh[k], 2);
            }
            err /= rows;
            Assert.Equal(grid[g], curve.Points[g].Features);
            Assert.Equal(err / d, curve.Points[g].Mse, 1e-5);
            Assert.Equal(1 - err / variance, curve.Points[g].ExplainedVariance, 1e-5);
        }
    }

    [Fact]
    public void LogGridAndComparisonOrderingsShareTheFullSaeEndpoint()
    {
        Assert.Equal([1, 2, 4, 8, 10], PrefixCurves.LogGrid(10));
        Assert.Equal([1], PrefixCurves.LogGrid(1));
        var w = PostHocTestData.RandomSae(8, 32, 41);
        var source = new InMemoryActivationSource(PostHocTestData.RandomRows(150, 8, 42), 8);
        var curves = PrefixCurves.CompareOrderings(w, source);
        Assert.Equal(["original", "frequency", "mean_activation", "importance", "random"], curves.Select(c => c.Name));
        double full = curves[0].Points[^1].Mse;
        foreach (var c in curves) Assert.Equal(full, c.Points[^1].Mse, 1e-9);   // n = m: every order is the whole SAE
    }

    [Fact]
    public void TopNOverlapHandCases()
    {
        double[] a = [5, 4, 3, 2, 1];
        double[] b = [1, 4, 3, 2, 5];
        Assert.Equal(0.5, FeatureStability.TopNOverlap(a, b, 2));       // {0,1} vs {4,1}
        Assert.Equal(1.0, FeatureStability.TopNOverlap(a, b, 5));
        Assert.Equal(2.0 / 3, FeatureStability.TopNOverlap(a, b, 3), 12); // {0,1,2} vs {4,1,2}
        var snaps = new List<float[]> { new float[] { 5, 4, 3, 2, 1 }, new float[] { 1, 4, 3, 2, 5 }, new float[] { 1, 4, 3, 2, 5 } };
        Assert.Equal([0.5, 1.0], FeatureStability.Consecutive(snaps, [2])[0]);
        Assert.Equal([0.5, 1.0, 1.0], FeatureStability.VersusFinal(snaps, [2])[0]);
    }
}
