using MLSae.Models;
using MLSae.Activations;
using MLSae.Evaluation;

namespace MLSae.Tests.Evaluation;

public class CoreMetricsTests
{
    /// <summary>Returns a fixed x_hat per row index (and a fixed code), ignoring the SAE math.</summary>
    sealed class FixedForward(int d, int m, Func<int, float[]> xHatOfRow, Func<int, float[]> fOfRow) : ISaeForward
    {
        int _next;
        public int InputDim => d;
        public int FeatureCount => m;
        public void Run(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction)
        {
            for (int r = 0; r < rows; r++, _next++)
            {
                xHatOfRow(_next).CopyTo(reconstruction.Slice(r * d, d));
                fOfRow(_next).CopyTo(codes.Slice(r * m, m));
            }
        }
    }

    [Fact]
    public void ReconstructionEqualToTheMean_ScoresZero_AndLegacyMatchesHandComputation()
    {
        // d = 1, tokens 0, 2 | 4, 6 in batches of two; the global mean is 3.
        // Legacy, batch 1 (mean 1): 1 - 9/1 = -8, 1 - 1/1 = 0; batch 2 (mean 5): 1 - 1/1 = 0, 1 - 9/1 = -8 -> mean -4.
        var x = new float[] { 0, 2, 4, 6 };
        var sae = new FixedForward(1, 2, _ => [3f], r => r % 2 == 0 ? [1f, 0f] : [0f, 0f]);
        var metrics = new MetricsEvaluator(new MetricsEvaluatorOptions { BatchSize = 2 }).Evaluate(new InMemoryActivationSource(x, 1), sae);

        Assert.Equal(0.0, metrics.ExplainedVariance, 12);
        Assert.Equal(-4.0, metrics.ExplainedVarianceLegacy, 12);
        Assert.Equal((9 + 1 + 1 + 9) / 4.0, metrics.Mse, 12);
        Assert.Equal(4, metrics.Tokens);
        // Feature 0 fires on rows 0 and 2, feature 1 never.
        Assert.Equal([0.5, 0.0], metrics.FeatureFrequencies);
        Assert.Equal(0.5, metrics.FracAlive, 12);
        Assert.Equal(0.5, metrics.DeadFraction, 12);
        Assert.Equal(0.5, metrics.L0, 12);
    }

    [Fact]
    public void PerfectReconstruction_ScoresOne()
    {
        var x = Reference.Random(40 * 5, 1, 2, 0.5);
        var sae = new FixedForward(5, 3, r => x.AsSpan(r * 5, 5).ToArray(), _ => [1f, 2f, 0f]);
        var metrics = new MetricsEvaluator(new MetricsEvaluatorOptions { BatchSize = 16 }).Evaluate(new InMemoryActivationSource(x, 5), sae);
        Assert.Equal(1.0, metrics.ExplainedVariance, 12);
        Assert.Equal(1.0, metrics.ExplainedVarianceLegacy, 12);
        Assert.Equal(0.0, metrics.Mse, 12);
        Assert.Equal(1.0, metrics.CosineSimilarity, 6);
        Assert.Equal(1.0, metrics.L2Ratio, 6);
        Assert.Equal(1.0, metrics.RelativeReconstructionBias, 6);
        Assert.Equal(2.0, metrics.L0, 12);
        Assert.Equal(3.0, metrics.L1, 12);
    }

    [Fact]
    public void EveryMetric_MatchesPlainLoops_OnRandomBatches()
    {
        const int n = 23, d = 4, m = 6, batch = 5;
        var x = Reference.Random(n * d, 10, 1.5, 0.7);
        var xHat = Reference.Random(n * d, 11, 1.2, 0.5);
        var f = Reference.Random(n * m, 12, 1.0, 0.1);
        for (int i = 0; i < f.Length; i++) if (f[i] < 0.3f) f[i] = 0; // sparse, non-negative codes

        var acc = new CoreMetricsAccumulator(d, m);
        for (int r = 0; r < n; r += batch)
        {
            int rows = Math.Min(batch, n - r);
            acc.Add(x.AsSpan(r * d, rows * d), f.AsSpan(r * m, rows * m), xHat.AsSpan(r * d, rows * d), rows);
        }
        var metrics = acc.ToMetrics(new MetricsEvaluatorOptions { BatchSize = batch });

        // Independent: textbook formulas, two passes, in double.
        double err = 0, cos = 0, nIn = 0, nOut = 0, ratio = 0, outSq = 0, dot = 0, l0 = 0, l1 = 0, sqIn = 0;
        var sumX = new double[d];
        var fires = new int[m];
        for (int t = 0; t < n; t++)
        {
            double e = 0, a2 = 0, b2 = 0, ab = 0;
            for (int j = 0; j < d; j++)
            {
                double a = x[t * d + j], b = xHat[t * d + j];
                e += (a - b) * (a - b); a2 += a * a; b2 += b * b; ab += a * b; sumX[j] += a;
            }
            err += e; sqIn += a2; outSq += b2; dot += ab;
            nIn += Math.Sqrt(a2); nOut += Math.Sqrt(b2); ratio += Math.Sqrt(b2) / Math.Sqrt(a2);
            cos += ab / Math.Sqrt(a2 * b2);
            for (int i = 0; i < m; i++) if (f[t * m + i] != 0) { l0++; l1 += f[t * m + i]; fires[i]++; }
        }
        double meanSq = 0;
        for (int j = 0; j < d; j++) meanSq += (sumX[j] / n) * (sumX[j] / n);
        double ev = 1 - (err / n) / (sqIn / n - meanSq);

        double legacy = 0, legacyMse = 0, minDev = double.MaxValue;
        for (int r = 0; r < n; r += batch)
        {
            int rows = Math.Min(batch, n - r);
            var mu = new double[d];
            for (int t = r; t < r + rows; t++) for (int j = 0; j < d; j++) mu[j] += x[t * d + j];
            for (int j = 0; j < d; j++) mu[j] /= rows;
            for (int t = r; t < r + rows; t++)
            {
                double e = 0, v = 0;
                for (int j = 0; j < d; j++) { e += Math.Pow((double)x[t * d + j] - xHat[t * d + j], 2); v += Math.Pow(x[t * d + j] - mu[j], 2); }
                legacy += 1 - e / v;
                legacyMse += e / rows;   // SAEBench core: resid_sum_of_squares / flattened_mask.sum(), the batch's token count
                minDev = Math.Min(minDev, v);
            }
        }

        const int digits = 10;
        Assert.Equal(err / n / d, metrics.Mse, digits);
        Assert.Equal(cos / n, metrics.CosineSimilarity, digits);
        Assert.Equal(ev, metrics.ExplainedVariance, digits);
        Assert.True(minDev > 1e-3, $"a token sits on its batch mean (deviation {minDev}); pick another seed");
        Assert.Equal(legacy / n, metrics.ExplainedVarianceLegacy, digits);
        Assert.Equal(legacyMse / n, metrics.MseLegacy, digits);   // batches of 5, 5, 5, 5 and a last one of 3
        Assert.Equal(nIn / n, metrics.L2NormIn, digits);
        Assert.Equal(nOut / n, metrics.L2NormOut, digits);
        Assert.Equal(ratio / n, metrics.L2Ratio, digits);
        Assert.Equal((outSq / n) / (dot / n), metrics.RelativeReconstructionBias, digits);
        Assert.Equal(l0 / n, metrics.L0, digits);
        Assert.Equal(l1 / n, metrics.L1, digits);
        for (int i = 0; i < m; i++) Assert.Equal(fires[i] / (double)n, metrics.FeatureFrequencies[i], digits);
        Assert.Equal(fires.Count(c => c > 0) / (double)m, metrics.FracAlive, digits);
    }

    [Fact]
    public void ExplainedVariance_StaysAccurate_WhenTheMeanDwarfsTheVariance()
    {
        // x = 1e4 + noise of size 1e-2: E||x||^2 - ||Ex||^2 in one pass loses every digit in float,
        // the batch-merged variance must not. Reference: two-pass variance in double.
        const int n = 1000, d = 3;
        var x = Reference.Random(n * d, 5, 1e-2, 1e4);
        var xHat = new float[n * d];
        for (int i = 0; i < xHat.Length; i++) xHat[i] = x[i] + (i % 2 == 0 ? 2e-3f : -2e-3f);
        var acc = new CoreMetricsAccumulator(d, 1);
        var f = new float[n];
        for (int r = 0; r < n; r += 128)
        {
            int rows = Math.Min(128, n - r);
            acc.Add(x.AsSpan(r * d, rows * d), f.AsSpan(r, rows), xHat.AsSpan(r * d, rows * d), rows);
        }
        var mu = new double[d];
        for (int t = 0; t < n; t++) for (int j = 0; j < d; j++) mu[j] += x[t * d + j] / (double)n;
        double variance = 0, err = 0;
        for (int t = 0; t < n; t++) for (int j = 0; j < d; j++)
        {
            variance += Math.Pow(x[t * d + j] - mu[j], 2);
            err += Math.Pow((double)x[t * d + j] - xHat[t * d + j], 2);
        }
        Assert.Equal(1 - err / variance, acc.ToMetrics(new MetricsEvaluatorOptions()).ExplainedVariance, 9);
    }

    [Fact]
    public void DensitySummary_MatchesHandCounts()
    {
        // Frequencies: dead, 2e-5, 0.005, 0.05, 0.5 -> alive 4/5, dead 1/5, over 1% 2/5, over 10% 1/5.
        var opts = new MetricsEvaluatorOptions { HistogramMin = -6, HistogramBinWidth = 1 };
        var s = FeatureDensity.Summarize([0, 2e-5, 0.005, 0.05, 0.5], opts);
        Assert.Equal(0.8, s.FracAlive, 12);
        Assert.Equal(0.2, s.DeadFraction, 12);
        Assert.Equal(0.4, s.FreqOver1Percent, 12);
        Assert.Equal(0.2, s.FreqOver10Percent, 12);
        Assert.Equal(0.2, s.DenseFraction, 12);
        // Bins [-6,-5), [-5,-4), [-4,-3), [-3,-2), [-2,-1), [-1,0): log10 values -4.7, -2.3, -1.3, -0.3.
        Assert.Equal([0L, 1, 0, 1, 1, 1], s.Histogram.Counts);
    }

    [Fact]
    public void EmptySource_IsRejectedWithAMessage()
    {
        var sae = new FixedForward(2, 2, _ => [0f, 0f], _ => [0f, 0f]);
        var e = Assert.Throws<ArgumentException>(() => new MetricsEvaluator().Evaluate(new InMemoryActivationSource([], 2), sae));
        Assert.Contains("no rows", e.Message);
    }

    [Fact]
    public void DimensionMismatch_NamesBothWidths()
    {
        var sae = new FixedForward(3, 2, _ => [0f, 0f, 0f], _ => [0f, 0f]);
        var e = Assert.Throws<ArgumentException>(() => new MetricsEvaluator().Evaluate(new InMemoryActivationSource(new float[4], 2), sae));
        Assert.Contains("d=2", e.Message);
        Assert.Contains("d=3", e.Message);
    }
}
