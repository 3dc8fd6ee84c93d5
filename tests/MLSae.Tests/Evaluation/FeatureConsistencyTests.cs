using MLSae.Evaluation.Consistency;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Tests.Training;

namespace MLSae.Tests.Evaluation;

/// <summary>Cross-seed consistency, alignment and truncation on planted dictionaries with known answers.</summary>
public class FeatureConsistencyTests
{
    const int D = 64, M = 256;

    static SaeWeights Dictionary(float[] decoder, int m = M, int d = D, SaeActivation activation = SaeActivation.ReLU, int k = 0) =>
        new(SaeArchitecture.Standard, activation, d, m, (float[])decoder.Clone(), ReferenceSae.Random(m, 3, 0.1), decoder, new float[d], null, k);

    static float[] Gaussian(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()))).ToArray();
    }

    static int[] Shuffle(int m, int seed)
    {
        var order = Enumerable.Range(0, m).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    /// <summary>b's row j = a's row order[j], scaled by a positive factor (cosine ignores norms).</summary>
    static float[] PermutedCopy(float[] a, int[] order)
    {
        var b = new float[a.Length];
        for (int j = 0; j < M; j++)
            for (int c = 0; c < D; c++) b[j * D + c] = a[order[j] * D + c] * (0.5f + j % 3);
        return b;
    }

    [Fact]
    public void AssignmentIsOptimalAgainstEveryPermutation()
    {
        foreach (var (rows, columns, seed) in new[] { (6, 6, 1), (4, 6, 2), (5, 5, 3) })
        {
            var score = ReferenceSae.Random(rows * columns, seed);
            var assignment = LinearAssignment.Maximize(score, rows, columns);
            Assert.Equal(rows, assignment.Distinct().Count());
            double found = Enumerable.Range(0, rows).Sum(r => (double)score[r * columns + assignment[r]]);
            double best = double.NegativeInfinity;
            void Search(int r, bool[] used, double sum)
            {
                if (r == rows) { best = Math.Max(best, sum); return; }
                for (int c = 0; c < columns; c++)
                    if (!used[c]) { used[c] = true; Search(r + 1, used, sum + score[r * columns + c]); used[c] = false; }
            }
            Search(0, new bool[columns], 0);
            Assert.Equal(best, found, 5);
        }
    }

    [Fact]
    public void APermutedCopyMatchesPerfectlyButNotByIndex()
    {
        var a = Gaussian(M * D, 7);
        var order = Shuffle(M, 8);
        var result = FeatureConsistency.Compute(Dictionary(a), Dictionary(PermutedCopy(a, order)));
        Assert.Equal(1.0, result.MeanMaxCosine, 5);
        Assert.Equal(1.0, result.MeanMaxCosineReverse, 5);
        Assert.True(result.AssignmentComputed);
        Assert.Equal(1.0, result.AssignedMeanCosine, 5);
        Assert.Equal(1.0, result.FractionAbove09);
        for (int i = 0; i < M; i++) Assert.Equal(order[i], result.Assignment![order[i]] == i ? order[i] : -1);
        // Same index, different feature: the cosine of two random directions, about 0 +- 1/sqrt(d m).
        Assert.True(Math.Abs(result.IndexConsistency[^1].MeanCosine) < 0.05, $"index consistency {result.IndexConsistency[^1].MeanCosine}");
        Assert.Equal(M, result.IndexConsistency[^1].Features);
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256], result.IndexConsistency.Select(p => p.Features));

        var same = FeatureConsistency.Compute(Dictionary(a), Dictionary(a));
        Assert.All(same.IndexConsistency, p => Assert.Equal(1.0, p.MeanCosine, 5));
    }

    [Fact]
    public void IndependentRandomDictionariesGiveTheChanceBaseline()
    {
        var result = FeatureConsistency.Compute(Dictionary(Gaussian(M * D, 21)), Dictionary(Gaussian(M * D, 22)));
        // Chance: E[max over M of the cosine between a fixed direction and a uniformly random one], simulated
        // independently as the first coordinate of normalised Gaussian vectors.
        var r = new Random(5);
        const int replicas = 400;
        double expected = 0;
        for (int t = 0; t < replicas; t++)
        {
            double best = double.NegativeInfinity;
            for (int j = 0; j < M; j++)
            {
                var z = Gaussian(D, r.Next());
                best = Math.Max(best, z[0] / Math.Sqrt(z.Sum(v => (double)v * v)));
            }
            expected += best / replicas;
        }
        Assert.True(Math.Abs(result.MeanMaxCosine - expected) < 0.05 * expected, $"mean max cosine {result.MeanMaxCosine}, chance {expected}");
        Assert.Equal(0.0, result.FractionAbove07);
        Assert.True(result.AssignedMeanCosine < result.MeanMaxCosine, "a one-to-one matching cannot beat each row's best");
    }

    [Fact]
    public void AlignmentRestoresTheReferenceOrderAndKeepsTheSae()
    {
        var a = Gaussian(M * D, 31);
        var reference = Dictionary(a);
        var shuffled = Dictionary(PermutedCopy(a, Shuffle(M, 32)));
        var aligned = SaeFeatureAlignment.AlignTo(shuffled, reference);
        var result = FeatureConsistency.Compute(reference, aligned);
        Assert.All(result.IndexConsistency, p => Assert.Equal(1.0, p.MeanCosine, 5));
        Assert.Equal("align-to", aligned.Info.Permutations[^1].Reason);
        // The same SAE: each aligned feature is a feature of the shuffled one, with its own encoder row and bias.
        var original = aligned.Info.OriginalIndices!;
        for (int j = 0; j < M; j++)
        {
            Assert.Equal(shuffled.EncoderBias[original[j]], aligned.EncoderBias[j]);
            Assert.True(shuffled.DecoderRow(original[j]).SequenceEqual(aligned.DecoderRow(j)));
        }
    }

    [Fact]
    public void KeepPrefixSlicesEveryFeatureTensor()
    {
        var w = new SaeWeights(SaeArchitecture.TopK, SaeActivation.TopK, 4, 10, ReferenceSae.Random(40, 1), ReferenceSae.Random(10, 2),
            ReferenceSae.Random(40, 3), ReferenceSae.Random(4, 4), null, 5) { Info = new SaeInfo { FeatureFrequencies = [.. Enumerable.Range(0, 10).Select(i => i / 10f)] } };
        var p = SaeFeatureAlignment.KeepPrefix(w, 3);
        Assert.Equal(3, p.FeatureCount);
        Assert.Equal(3, p.K);   // capped at the kept count
        Assert.Equal(w.EncoderWeights[..12], p.EncoderWeights);
        Assert.Equal(w.DecoderWeights[..12], p.DecoderWeights);
        Assert.Equal(w.EncoderBias[..3], p.EncoderBias);
        Assert.Equal(w.DecoderBias, p.DecoderBias);
        Assert.Equal([0f, 0.1f, 0.2f], p.Info.FeatureFrequencies!);
        Assert.Throws<ArgumentOutOfRangeException>(() => SaeFeatureAlignment.KeepPrefix(w, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => SaeFeatureAlignment.KeepPrefix(w, 0));
    }
}
