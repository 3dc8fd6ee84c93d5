using MLSae.Activations;
using MLSae.Models;
using MLSae.Ordering;

namespace MLSae.Tests.Ordering;

public class PostHocReorderTests
{
    [Theory]
    [InlineData(FeatureOrderKey.Frequency, SaeActivation.ReLU)]
    [InlineData(FeatureOrderKey.MeanActivation, SaeActivation.JumpReLU)]
    [InlineData(FeatureOrderKey.Importance, SaeActivation.ReLU)]
    [InlineData(FeatureOrderKey.Random, SaeActivation.TopK)]
    public void ReorderedSaeIsEquivalentAndSorted(FeatureOrderKey key, SaeActivation act)
    {
        int d = 12, m = 40, rows = 300;
        var w = PostHocTestData.RandomSae(d, m, 21, act, act == SaeActivation.TopK ? 6 : 0);
        var x = PostHocTestData.RandomRows(rows, d, 22);
        var source = new InMemoryActivationSource(x, d);
        var result = SaeFeatureReorder.Reorder(w, source, new SaeReorderOptions { By = key, Seed = 3 });
        var r = result.Weights;

        var f0 = new float[rows * m]; var x0 = new float[rows * d];
        var f1 = new float[rows * m]; var x1 = new float[rows * d];
        new SaeCpuForward(w).Forward(x, rows, f0, x0);
        new SaeCpuForward(r).Forward(x, rows, f1, x1);
        double maxDiff = 0;
        for (int i = 0; i < x0.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(x0[i] - x1[i]) / (1 + Math.Abs(x0[i])));
        Assert.True(maxDiff <= 1e-6, $"reconstructions differ by {maxDiff:E2}");
        for (int t = 0; t < rows; t++)
            for (int j = 0; j < m; j++)
                Assert.Equal(f0[t * m + result.Order[j]], f1[t * m + j]);   // codes are the same numbers, permuted

        Assert.Equal(result.Order, r.Info.OriginalIndices);
        Assert.Single(r.Info.Permutations);
        if (key != FeatureOrderKey.Random)
        {
            // Independent key computation in double from the reference encoder.
            var keys = new double[m];
            for (int t = 0; t < rows; t++)
            {
                var f = PostHocTestData.Encode(w, x, t);
                for (int i = 0; i < m; i++)
                    keys[i] += key == FeatureOrderKey.Frequency ? (f[i] > 0 ? 1 : 0) : f[i];
            }
            if (key == FeatureOrderKey.Importance)
                for (int i = 0; i < m; i++)
                    keys[i] *= Math.Sqrt(Enumerable.Range(0, d).Sum(k => (double)w.DecoderWeights[i * d + k] * w.DecoderWeights[i * d + k]));
            for (int j = 1; j < m; j++)
            {
                double prev = keys[result.Order[j - 1]], cur = keys[result.Order[j]];
                Assert.True(prev >= cur - 1e-6 * Math.Abs(prev), $"not descending at {j}: {prev} < {cur}");
                if (prev == cur && key == FeatureOrderKey.Frequency) Assert.True(result.Order[j - 1] < result.Order[j], "ties must keep index order");
            }
        }
    }

    [Fact]
    public void SecondReorderComposesOriginalIndices()
    {
        var w = PostHocTestData.RandomSae(5, 7, 2);
        var once = SaeFeatureReorder.Permute(w, [3, 1, 0, 6, 5, 4, 2], "a");
        var twice = SaeFeatureReorder.Permute(once, [6, 5, 4, 3, 2, 1, 0], "b");
        Assert.Equal(2, twice.Info.Permutations.Count);
        var orig = twice.Info.OriginalIndices!;
        for (int j = 0; j < 7; j++)
        {
            Assert.Equal(w.EncoderRow(orig[j]).ToArray(), twice.EncoderRow(j).ToArray());
            Assert.Equal(w.DecoderRow(orig[j]).ToArray(), twice.DecoderRow(j).ToArray());
            Assert.Equal(w.EncoderBias[orig[j]], twice.EncoderBias[j]);
        }
        // Hand-worked: once[j] = w[a[j]], twice[j] = once[b[j]] = w[a[b[j]]] -> a reversed.
        Assert.Equal([2, 4, 5, 6, 0, 1, 3], orig);
    }

    [Fact]
    public void PermutationLogRoundTripsAndRejectsBadOrders()
    {
        var log = new PermutationLog(4);
        log.Append(10, [1, 0, 3, 2], "x");
        log.Append(20, [3, 2, 1, 0], "y");
        using var ms = new MemoryStream();
        using (var bw = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) log.Write(bw);
        ms.Position = 0;
        var back = PermutationLog.Read(new BinaryReader(ms));
        Assert.Equal(log.OriginalIndices.ToArray(), back.OriginalIndices.ToArray());
        Assert.Equal([2, 3, 0, 1], back.OriginalIndices.ToArray());
        Assert.Equal(20, back.Records[1].Step);
        Assert.Throws<ArgumentException>(() => log.Append(30, [0, 0, 1, 2], "bad"));
        Assert.Throws<ArgumentException>(() => log.Append(30, [0, 1, 2], "short"));
    }

    [Fact]
    public void StableSortKeepsTiesAndPutsNaNLast()
    {
        Assert.Equal([1, 3, 0, 2, 4], FeatureOrder.SortDescending(new double[] { 1, 5, 1, 5, double.NaN }));
    }
}
