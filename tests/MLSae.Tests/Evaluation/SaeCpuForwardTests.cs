using Microsoft.ML;
using MLSae.Activations;
using MLSae.Evaluation;
using MLSae.Models;

namespace MLSae.Tests.Evaluation;

public class SaeCpuForwardTests
{
    [Theory]
    [InlineData(SaeActivation.ReLU, 0)]
    [InlineData(SaeActivation.JumpReLU, 0)]
    [InlineData(SaeActivation.TopK, 3)]
    public void Forward_MatchesTheDefinition_InDouble(SaeActivation activation, int k)
    {
        const int d = 7, m = 11, rows = 9;
        var w = Reference.RandomWeights(d, m, activation, 20, k);
        var x = Reference.Random(rows * d, 30, 2.0);
        var f = new float[rows * m];
        var xHat = new float[rows * d];
        new SaeCpuForward(w).Run(x, rows, f, xHat);
        for (int r = 0; r < rows; r++)
        {
            var (rf, rx) = Reference.Forward(w, x.AsSpan(r * d, d));
            for (int i = 0; i < m; i++) Assert.Equal(rf[i], f[r * m + i], 1e-5); // float32 dot products of length 7
            for (int j = 0; j < d; j++) Assert.Equal(rx[j], xHat[r * d + j], 1e-4);
            if (activation == SaeActivation.TopK) Assert.True(rf.Count(v => v != 0) <= k);
        }
    }

    [Fact]
    public void Forward_OnOneThread_CoversFullAndPartialRowBlocks()
    {
        const int d = 5, m = 9, rows = 50; // 6 blocks of 8 rows and one of 2 on a single thread
        var w = Reference.RandomWeights(d, m, SaeActivation.ReLU, 70);
        var x = Reference.Random(rows * d, 71, 2.0);
        var f = new float[rows * m];
        var xHat = new float[rows * d];
        new SaeCpuForward(w, maxDegreeOfParallelism: 1).Run(x, rows, f, xHat);
        for (int r = 0; r < rows; r++)
        {
            var (rf, rx) = Reference.Forward(w, x.AsSpan(r * d, d));
            for (int i = 0; i < m; i++) Assert.Equal(rf[i], f[r * m + i], 1e-5);
            for (int j = 0; j < d; j++) Assert.Equal(rx[j], xHat[r * d + j], 1e-4);
        }
    }

    [Fact]
    public void TopK_BreaksTiesByLowerIndex()
    {
        float[] f = [1f, 3f, 2f, 3f, 3f];
        SaeCpuForward.ApplyTopK(f, 2, new float[5]);
        Assert.Equal([0f, 3f, 0f, 3f, 0f], f);
    }

    [Fact]
    public void CatalogEvaluate_MatchesMetricsFromTheDefinition()
    {
        const int d = 6, m = 10, n = 50;
        var w = Reference.RandomWeights(d, m, SaeActivation.ReLU, 40);
        var x = Reference.Random(n * d, 41, 1.5, 0.2);
        var metrics = new MLContext(seed: 1).SaeEvaluation().Evaluate(w, new InMemoryActivationSource(x, d),
            new MetricsEvaluatorOptions { BatchSize = 16 });

        double err = 0, l0 = 0, sqIn = 0;
        var sum = new double[d];
        for (int t = 0; t < n; t++)
        {
            var (rf, rx) = Reference.Forward(w, x.AsSpan(t * d, d));
            for (int j = 0; j < d; j++) { double a = x[t * d + j]; err += (a - rx[j]) * (a - rx[j]); sqIn += a * a; sum[j] += a; }
            l0 += rf.Count(v => v > 0);
        }
        double meanSq = sum.Sum(s => (s / n) * (s / n));
        Assert.Equal(n, metrics.Tokens);
        Assert.Equal(err / n / d, metrics.Mse, 1e-5);
        Assert.Equal(1 - (err / n) / (sqIn / n - meanSq), metrics.ExplainedVariance, 1e-5);
        Assert.Equal(l0 / n, metrics.L0, 1e-12);
    }
}
