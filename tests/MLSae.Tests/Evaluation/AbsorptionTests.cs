using MLSae.Evaluation.Absorption;

namespace MLSae.Tests.Evaluation;

public class AbsorptionTests
{
    // Probe p = (1, 0). Decoder rows: latent 0 = (1, 0) (main, cos 1), latent 1 = (0.6, 0.8) (cos 0.6), latent 2 = (0, 1) (cos 0).
    static readonly float[] Decoder = [1f, 0f, 0.6f, 0.8f, 0f, 1f];
    static AbsorptionScorer Scorer() => new(Decoder, 3, [2.0, 0.0], [0], new AbsorptionOptions());

    [Fact]
    public void MainLatentCarriesTheSignal_NoAbsorption()
    {
        var s = Scorer().Score([2f, 0f], [2f, 0f, 0f]); // A = 2, M = 2 >= A
        Assert.Equal(0.0, s.AbsorptionFraction, 12);
        Assert.False(s.IsFullAbsorption);
        Assert.Equal(2.0, s.ProbeProjection, 12);
    }

    [Fact]
    public void MainSilent_AlignedLatentCarriesIt_FullAbsorption()
    {
        var s = Scorer().Score([1.2f, 1.6f], [0f, 2f, 0f]); // A = 1.2, q1 = 2 * 0.6 = 1.2, T / A = 1
        Assert.Equal(1.0, s.AbsorptionFraction, 12);
        Assert.True(s.IsFullAbsorption);
    }

    [Fact]
    public void PartialAbsorption_MatchesHandComputation()
    {
        // A = 2, M = 1, q1 = 1.5 * 0.6 = 0.9, T / A = 0.45 >= 0.4; absorbed = min(0.9, 2 - 1) = 0.9 -> 0.9 / 1.9.
        var s = Scorer().Score([2f, 1f], [1f, 1.5f, 0f]);
        Assert.Equal(0.9 / 1.9, s.AbsorptionFraction, 6);
        Assert.False(s.IsFullAbsorption);
    }

    [Fact]
    public void AbsorberBelowTheProportionThreshold_DoesNotCount()
    {
        var s = Scorer().Score([3f, 0f], [0f, 1f, 0f]); // q1 / A = 0.6 / 3 = 0.2 < 0.4
        Assert.Equal(0.0, s.AbsorptionFraction, 12);
        Assert.False(s.IsFullAbsorption);
    }

    [Fact]
    public void Summary_MeansAndSampleStdOverLetters()
    {
        var a = new AbsorptionAggregator.LetterResult("a", [1], [new(1, true, 1), new(0, false, 1)]);     // frac 0.5, full 0.5, split 1
        var b = new AbsorptionAggregator.LetterResult("b", [2, 3, 4], [new(0.1, false, 1)]);               // frac 0.1, full 0, split 3
        var m = AbsorptionAggregator.Summarize([a, b]);
        Assert.Equal(0.3, m.MeanAbsorptionFractionScore, 12);
        Assert.Equal(0.25, m.MeanFullAbsorptionScore, 12);
        Assert.Equal(2.0, m.MeanNumSplitFeatures, 12);
        Assert.Equal(Math.Sqrt(0.08), m.StdDevAbsorptionFractionScore, 12);   // (0.2^2 + 0.2^2) / 1
        Assert.Equal(Math.Sqrt(2.0), m.StdDevNumSplitFeatures, 12);           // (1 + 1) / 1
    }

    [Fact]
    public void MainLatents_FindsBothHalvesOfASplitFeature()
    {
        // Letter words fire latent 3 (even rows) or latent 5 (odd rows); others fire neither. Both are needed for F1 ~ 1.
        const int n = 400, m = 12;
        var rng = new Random(4);
        var codes = new float[n * m];
        var isLetter = new bool[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++) codes[i * m + j] = (float)(0.05 * rng.NextDouble());
            isLetter[i] = i % 4 < 2;
            if (isLetter[i]) codes[i * m + (i % 2 == 0 ? 3 : 5)] += 1f;
        }
        int[] train = Enumerable.Range(0, 300).ToArray(), test = Enumerable.Range(300, 100).ToArray();
        var main = AbsorptionAggregator.SelectMainLatents(codes, m, isLetter, train, test, new AbsorptionOptions());
        Assert.Equal([3, 5], main.Order());
    }
}
