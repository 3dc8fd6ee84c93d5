using MLSae.Browsing;
using MLSae.Models;
using static MLSae.Tests.Browsing.BrowsingTestData;

namespace MLSae.Tests.Browsing;

/// <summary>Two SAEs matched by decoder cosine: a permuted copy is matched back exactly; unequal sizes fall back to the nearest feature.</summary>
public sealed class FeatureMatchingTests
{
    static SaeWeights Permuted(SaeWeights a, int[] order, float scale)
    {
        // B's feature j is A's feature order[j], its decoder row scaled (cosine is scale-free).
        var dec = new float[order.Length * D];
        for (int j = 0; j < order.Length; j++)
            for (int k = 0; k < D; k++) dec[j * D + k] = scale * a.DecoderWeights[order[j] * D + k];
        return new SaeWeights(a.Architecture, a.Activation, D, order.Length, new float[order.Length * D], new float[order.Length], dec, new float[D]);
    }

    static double Cosine(SaeWeights a, int i, SaeWeights b, int j)
    {
        double dot = 0, na = 0, nb = 0;
        for (int k = 0; k < D; k++)
        {
            double x = a.DecoderWeights[i * D + k], y = b.DecoderWeights[j * D + k];
            dot += x * y; na += x * x; nb += y * y;
        }
        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public void APermutedCopyIsMatchedBackOneToOneWithCosineOne()
    {
        var a = Sae();
        int[] order = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5];
        var result = FeatureMatching.Compare(a, Permuted(a, order, 2.5f));
        for (int i = 0; i < M; i++)
        {
            var match = result.Matches[i];
            Assert.Equal(i, match.A);
            Assert.Equal(order[match.B], i);
            Assert.Equal(1.0, match.Cosine, 5);
            Assert.True(match.OneToOne);
        }
        Assert.Equal(1.0, result.Summary!.AssignedMeanCosine, 5);
        Assert.Equal(1.0, result.Summary.FractionAbove09);
    }

    [Fact]
    public void FeaturesTheAssignmentLeavesOutGetTheirNearestFeature()
    {
        var a = Sae();
        int[] subset = [3, 8, 1, 6];   // B has 4 of A's 10 features
        var b = Permuted(a, subset, 1f);
        var result = FeatureMatching.Compare(a, b);
        Assert.Equal(M, result.Matches.Length);
        for (int j = 0; j < subset.Length; j++) Assert.Equal(new FeatureMatch(subset[j], j, result.Matches[subset[j]].Cosine, true), result.Matches[subset[j]]);
        foreach (var m in result.Matches.Where(m => !subset.Contains(m.A)))
        {
            Assert.False(m.OneToOne);
            var best = Enumerable.Range(0, subset.Length).Select(j => (j, c: Cosine(a, m.A, b, j))).MaxBy(e => e.c);
            Assert.Equal(best.j, m.B);
            Assert.Equal(best.c, m.Cosine, 5);
        }
    }

    [Fact]
    public void SaesOfDifferentWidthsAreRefusedNamingBoth()
    {
        var narrow = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, 4, 3, new float[12], new float[3], new float[12], new float[4]);
        var e = Assert.Throws<ArgumentException>(() => FeatureMatching.Compare(Sae(), narrow));
        Assert.Contains("d = 6 and 4", e.Message);
    }
}
