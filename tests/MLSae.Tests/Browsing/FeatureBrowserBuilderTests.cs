using MLSae.Activations.Cache;
using MLSae.Browsing;
using MLSae.Models;
using static MLSae.Tests.Browsing.BrowsingTestData;

namespace MLSae.Tests.Browsing;

/// <summary>The streaming statistics and contexts against a plain double loop over every code of a tiny synthetic cache.</summary>
public sealed class FeatureBrowserBuilderTests
{
    static readonly FeatureBrowserOptions Options = new()
    {
        TopContexts = 5, ReservoirSize = 8, QuantileBands = 2, SamplesPerBand = 2, ContextBefore = 3, ContextAfter = 2,
        Neighbours = 3, TopTokens = 100, BatchSize = 37,
    };

    static (FeatureBrowserData Data, float[] Codes) Build(SaeWeights weights, ActivationCache cache)
    {
        var forward = new SaeCpuForward(weights, 2);
        var data = FeatureBrowserBuilder.Build(weights, cache, forward.Encode, Decode, null, Options);
        return (data, AllCodes(weights, cache));
    }

    [Fact]
    public void CountsMeansMaximaHistogramsAndTopRowsMatchADoubleLoop()
    {
        using var cache = ActivationCache.Open(WriteCache());
        var (data, codes) = Build(Sae(), cache);
        var edges = ActivationHistogram.Edges();
        bool sawRare = false, sawFrequent = false;
        for (int i = 0; i < M; i++)
        {
            var firings = new List<(long Row, float Value)>();
            for (long r = 0; r < Rows; r++) if (codes[r * M + i] > 0) firings.Add((r, codes[r * M + i]));
            var f = data.Features[i];
            Assert.Equal(firings.Count, f.Count);
            Assert.Equal((double)firings.Count / Rows, f.Frequency, 12);
            double mean = firings.Count == 0 ? 0 : firings.Sum(e => (double)e.Value) / firings.Count;
            Assert.Equal(mean, f.MeanActivation, 9);
            Assert.Equal(firings.Count == 0 ? 0 : firings.Max(e => e.Value), f.MaxActivation);
            // Histogram by scanning the edges (not the collector's log formula); out-of-range values clamp to the end bins.
            var hist = new int[ActivationHistogram.Bins];
            foreach (var (_, v) in firings)
            {
                int b = 0;
                while (b < hist.Length - 1 && v >= edges[b + 1]) b++;
                hist[b]++;
            }
            Assert.Equal(hist, f.Histogram);
            var top = firings.OrderByDescending(e => e.Value).ThenBy(e => e.Row).Take(Options.TopContexts).ToArray();
            Assert.Equal(top.Select(e => e.Row), f.Top.Select(c => c.Row));
            Assert.Equal(top.Select(e => e.Value), f.Top.Select(c => c.Activation));
            sawRare |= firings.Count is > 0 and <= 8;
            sawFrequent |= firings.Count > 8;
        }
        Assert.True(sawRare && sawFrequent, "the synthetic SAE should have features firing fewer and more times than the reservoir holds");
    }

    [Fact]
    public void ContextWindowsStayInTheDocumentAndCarryTheFeaturesActivationOnEveryToken()
    {
        using var cache = ActivationCache.Open(WriteCache());
        var (data, codes) = Build(Sae(), cache);
        int checkedTokens = 0;
        foreach (var f in data.Features)
            foreach (var c in f.Top.Concat(f.Quantiles.SelectMany(q => q.Samples)))
            {
                long first = c.Row - c.Center;
                var expectedRows = Enumerable.Range(-Options.ContextBefore, Options.ContextBefore + Options.ContextAfter + 1)
                    .Select(o => c.Row + o).Where(r => r >= 0 && r < Rows && Doc(r) == Doc(c.Row)).ToArray();
                Assert.Equal(expectedRows, Enumerable.Range(0, c.TokenIds.Length).Select(j => first + j));
                Assert.Equal(Doc(c.Row), c.Document);
                for (int j = 0; j < c.TokenIds.Length; j++)
                {
                    Assert.Equal(Token(first + j), c.TokenIds[j]);
                    Assert.Equal(Decode(c.TokenIds[j]), c.Tokens[j]);
                    Assert.Equal(codes[(first + j) * M + f.Index], c.Activations[j], 5);
                    checkedTokens++;
                }
                Assert.Equal(c.Activation, c.Activations[c.Center], 5);
            }
        Assert.True(checkedTokens > 100);
        Assert.Contains(data.Features.SelectMany(f => f.Top).SelectMany(c => c.Tokens), t => t is null);   // ids 50..59 do not decode
    }

    [Fact]
    public void ReservoirQuantilesAndTopTokensAreExactWhenAFeatureFiresLessThanTheReservoirHolds()
    {
        using var cache = ActivationCache.Open(WriteCache());
        var (data, codes) = Build(Sae(), cache);
        foreach (var f in data.Features)
        {
            var firings = Enumerable.Range(0, Rows).Where(r => codes[(long)r * M + f.Index] > 0).ToArray();
            var samples = f.Quantiles.SelectMany(q => q.Samples).ToArray();
            // Every sample is a real firing; bands run from the highest quantile down and do not overlap.
            foreach (var s in samples) Assert.Equal(codes[s.Row * M + f.Index], s.Activation);
            for (int q = 1; q < f.Quantiles.Length; q++) Assert.True(f.Quantiles[q].High <= f.Quantiles[q - 1].Low);
            if (firings.Length == 0) { Assert.Empty(f.Quantiles); Assert.Empty(f.TopTokens); continue; }
            Assert.True(f.Quantiles[0].ToQuantile == 1 && f.Quantiles[0].High == f.MaxActivation || firings.Length > Options.ReservoirSize);
            if (firings.Length > Options.ReservoirSize)
            {
                Assert.Equal(Options.ReservoirSize, f.TopTokens.Sum(t => t.Samples));
                continue;
            }
            // Reservoir = all firings, so token counts and means are exact.
            var byToken = firings.GroupBy(r => Token(r)).ToDictionary(g => g.Key, g => (N: g.Count(), Mean: g.Average(r => (double)codes[(long)r * M + f.Index])));
            Assert.Equal(byToken.Count, f.TopTokens.Length);
            foreach (var t in f.TopTokens)
            {
                Assert.Equal(byToken[t.TokenId].N, t.Samples);
                Assert.Equal(byToken[t.TokenId].N, t.EstimatedFirings, 9);
                Assert.Equal(byToken[t.TokenId].Mean, t.MeanActivation, 6);
                Assert.Equal(Decode(t.TokenId), t.Token);
            }
        }
    }

    [Fact]
    public void NormsNeighboursOriginalIndicesAndMovesMatchHandComputations()
    {
        int[] original = [3, 1, 4, 0, 2, 9, 8, 7, 6, 5];
        // Two reorders: first swaps 0 and 1, then reverses. Current feature 0 sat at 9 after the first, and at 0 after the second.
        int[] swap = [1, 0, 2, 3, 4, 5, 6, 7, 8, 9];
        int[] reverse = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
        var weights = Sae(original, [new PermutationRecord(100, swap, "freq"), new PermutationRecord(200, reverse, "freq")]);
        using var cache = ActivationCache.Open(WriteCache());
        var (data, _) = Build(weights, cache);
        for (int i = 0; i < M; i++)
        {
            var f = data.Features[i];
            Assert.Equal(original[i], f.OriginalIndex);
            double norm = Math.Sqrt(Enumerable.Range(0, D).Sum(j => (double)weights.DecoderWeights[i * D + j] * weights.DecoderWeights[i * D + j]));
            Assert.Equal(norm, f.DecoderNorm, 5);
            var cos = Enumerable.Range(0, M).Where(j => j != i).Select(j =>
            {
                double dot = 0, nj = 0;
                for (int c = 0; c < D; c++) { dot += (double)weights.DecoderWeights[i * D + c] * weights.DecoderWeights[j * D + c]; nj += (double)weights.DecoderWeights[j * D + c] * weights.DecoderWeights[j * D + c]; }
                return (j, dot / (norm * Math.Sqrt(nj)));
            }).OrderByDescending(e => e.Item2).Take(Options.Neighbours).ToArray();
            Assert.Equal(cos.Select(e => e.j), f.Nearest.Select(n => n.Feature));
            for (int k = 0; k < cos.Length; k++) Assert.Equal(cos[k].Item2, f.Nearest[k].Cosine, 5);
        }
        Assert.Equal([new OrderMove(100, 9), new OrderMove(200, 0)], data.Features[0].Moves);
        Assert.Equal([new OrderMove(100, 8), new OrderMove(200, 1)], data.Features[1].Moves);
        Assert.Equal([new OrderMove(100, 1), new OrderMove(200, 8)], data.Features[8].Moves);
    }

    [Fact]
    public void ACacheOfAnotherWidthModelOrHookIsRefusedNamingBoth()
    {
        using var narrow = ActivationCache.Open(WriteCache(d: 4));
        var e = Assert.Throws<ArgumentException>(() => FeatureBrowserBuilder.CheckCompatible(Sae(), narrow));
        Assert.Contains("d = 4", e.Message);
        Assert.Contains("d = 6", e.Message);
        using var other = ActivationCache.Open(WriteCache(model: "other-model"));
        e = Assert.Throws<ArgumentException>(() => FeatureBrowserBuilder.CheckCompatible(Sae(), other));
        Assert.Contains("'other-model'", e.Message);
        Assert.Contains("'test-model'", e.Message);
    }

    [Fact]
    public void ResultsDoNotDependOnTheBatchSize()
    {
        using var cache = ActivationCache.Open(WriteCache());
        var weights = Sae();
        var forward = new SaeCpuForward(weights, 2);
        var a = FeatureBrowserBuilder.Build(weights, cache, forward.Encode, Decode, null, Options);
        var b = FeatureBrowserBuilder.Build(weights, cache, forward.Encode, Decode, null, Options with { BatchSize = 400 });
        for (int i = 0; i < M; i++)
        {
            Assert.Equal(a.Features[i].Top.Select(c => c.Row), b.Features[i].Top.Select(c => c.Row));
            Assert.Equal(a.Features[i].Quantiles.SelectMany(q => q.Samples).Select(c => c.Row), b.Features[i].Quantiles.SelectMany(q => q.Samples).Select(c => c.Row));
        }
    }

    [Fact]
    public void PrefixCurvesAsTrainedByFrequencyAndRandomMatchADoubleLoop()
    {
        using var cache = ActivationCache.Open(WriteCache());
        var weights = Sae();
        var (data, codes) = Build(weights, cache);
        Assert.Equal(["as trained", "frequency", "random"], data.PrefixCurves.Select(c => c.Name));
        var x = new float[Rows * D];
        cache.ReadRows(0, Rows, x);
        double[] mean = [.. Enumerable.Range(0, D).Select(k => Enumerable.Range(0, Rows).Average(r => (double)x[r * D + k]))];
        double variance = Enumerable.Range(0, Rows).Sum(r => Enumerable.Range(0, D).Sum(k => Math.Pow(x[r * D + k] - mean[k], 2))) / Rows;
        var byFrequency = Enumerable.Range(0, M).OrderByDescending(i => data.Features[i].Frequency).ThenBy(i => i).ToArray();
        foreach (var (curve, order) in new[] { (data.PrefixCurves[0], Enumerable.Range(0, M).ToArray()), (data.PrefixCurves[1], byFrequency) })
        {
            Assert.Equal(order, curve.Order);
            foreach (var point in curve.Points)
            {
                double err = 0;
                for (int r = 0; r < Rows; r++)
                    for (int k = 0; k < D; k++)
                    {
                        double xhat = weights.DecoderBias[k];
                        for (int j = 0; j < point.Features; j++) xhat += (double)codes[r * M + order[j]] * weights.DecoderWeights[order[j] * D + k];
                        err += Math.Pow(x[r * D + k] - xhat, 2);
                    }
                Assert.Equal(1 - err / Rows / variance, point.ExplainedVariance, 6);
            }
        }
        // With every feature the order does not matter.
        Assert.Equal(data.PrefixCurves[0].Points[^1].ExplainedVariance, data.PrefixCurves[2].Points[^1].ExplainedVariance, 9);
    }

    [Theory]
    [InlineData(SaeActivation.TopK)]
    [InlineData(SaeActivation.JumpReLU)]
    public void EveryWindowTokensActivationMatchesTheFullEncodingForTopKAndJumpReLU(SaeActivation activation)
    {
        // The second pass computes one feature per token from the weights (and, for TopK, the row threshold of the first pass).
        var relu = Sae();
        float[]? thresholds = activation == SaeActivation.JumpReLU ? [.. Enumerable.Range(0, M).Select(i => 0.05f * i)] : null;
        var weights = new SaeWeights(activation == SaeActivation.TopK ? SaeArchitecture.TopK : SaeArchitecture.JumpReLU, activation, D, M,
            relu.EncoderWeights, [.. relu.EncoderBias.Select(b => b + 0.6f)], relu.DecoderWeights, relu.DecoderBias, thresholds, k: activation == SaeActivation.TopK ? 3 : 0) { Info = relu.Info };
        using var cache = ActivationCache.Open(WriteCache());
        var (data, codes) = Build(weights, cache);
        int checkedTokens = 0, zeros = 0;
        foreach (var f in data.Features)
            foreach (var c in f.Top.Concat(f.Quantiles.SelectMany(q => q.Samples)))
                for (int j = 0; j < c.TokenIds.Length; j++)
                {
                    float expected = codes[(c.Row - c.Center + j) * M + f.Index];
                    Assert.Equal(expected, c.Activations[j], 5);
                    checkedTokens++;
                    if (expected == 0) zeros++;
                }
        Assert.True(checkedTokens > 100 && zeros > 10 && zeros < checkedTokens, $"{checkedTokens} tokens, {zeros} zero: the case must mix firing and silent tokens");
    }
}
