using MLSae.Evaluation.Absorption;
using MLSae.Evaluation.Probing;
using MLSae.Models;

namespace MLSae.Tests.Evaluation.Absorption;

/// <summary>
/// The probe and scoring stages on constructed activations: dims 0, 1, 2 carry the letters a, b, c
/// (value ~2 for the word's letter), dim 3 is noise, dims 4.. mark individual "absorbed" a-words.
/// The SAE is hand-built: latents 0..3 read dims 0..3 (latent 0 is inhibited by every marker dim),
/// latent 4 + i reads marker i and decodes to (e_0 + e_{4+i}) / sqrt 2, i.e. it carries the a-direction.
/// </summary>
public class AbsorptionPipelineTests
{
    const int PerLetter = 60;

    static (WordActivations Data, HashSet<int> Absorbed) Task(int absorbed, int seed = 3)
    {
        int d = 4 + absorbed;
        var rng = new Random(seed);
        var words = new List<FirstLetterWord>();
        var x = new List<float>();
        var marked = new HashSet<int>();
        for (int letter = 0; letter < 3; letter++)
            for (int i = 0; i < PerLetter; i++)
            {
                var row = new float[d];
                row[letter] = 2f + (float)(rng.NextDouble() * 0.4 - 0.2);
                row[3] = (float)(rng.NextDouble() - 0.5);
                if (letter == 0 && i < absorbed) { row[4 + i] = 2f; marked.Add(words.Count); }
                words.Add(new FirstLetterWord($"w{words.Count}", words.Count, (char)('a' + letter)));
                x.AddRange(row);
            }
        var (train, test) = FirstLetterVocabulary.Split(words.Count, 0.8, seed);
        return (new WordActivations(words, [.. x], d, train, test), marked);
    }

    static SaeWeights Sae(int absorbed)
    {
        int d = 4 + absorbed, m = d;
        var enc = new float[m * d];
        var dec = new float[m * d];
        for (int i = 0; i < 4; i++) { enc[i * d + i] = 1; dec[i * d + i] = 1; }
        for (int k = 0; k < absorbed; k++)
        {
            int latent = 4 + k;
            enc[0 * d + latent] = -4f;            // latent 0 is silent on marked words: 2 - 4 * 2 < 0
            enc[latent * d + latent] = 1;
            dec[latent * d + 0] = (float)(1 / Math.Sqrt(2));
            dec[latent * d + latent] = (float)(1 / Math.Sqrt(2));
        }
        return new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, d, m, enc, new float[m], dec, new float[d]);
    }

    static readonly AbsorptionEvaluatorOptions Abc = new() { Letters = "abc" };

    [Fact]
    public void LatentEqualToTheLetterDirection_NoAbsorption()
    {
        var (data, _) = Task(absorbed: 0);
        var r = new AbsorptionEvaluator(Abc).Score(data, Sae(0));
        Assert.Equal(1.0, r.ProbeTestAccuracy, 12);      // the letters are linearly separable by construction
        foreach (var l in r.Letters)
        {
            int c = l.Letter - 'a';
            Assert.Equal([c], l.MainLatents);            // latent c alone classifies letter c perfectly
            Assert.Equal(data.Test.Count(i => data.Words[i].LetterIndex == c), l.ProbeTruePositives);
            Assert.Equal(0.0, l.MeanAbsorptionFraction, 12);
            Assert.Equal(0, l.FullAbsorptionCount);
        }
        Assert.Equal(0.0, r.Metrics.MeanAbsorptionFractionScore, 12);
        Assert.Equal(0.0, r.Metrics.MeanFullAbsorptionScore, 12);
        Assert.Equal(1.0, r.Metrics.MeanNumSplitFeatures, 12);
        Assert.Equal(0.0, r.Metrics.StdDevNumSplitFeatures, 12);
    }

    [Fact]
    public void TokenSpecificLatentCarryingTheDirection_IsFullAbsorption()
    {
        const int absorbed = 12;
        var (data, marked) = Task(absorbed);
        var r = new AbsorptionEvaluator(Abc).Score(data, Sae(absorbed));
        var a = r.Letters.Single(l => l.Letter == 'a');
        // Each absorbing latent covers one word, so it never raises the k-sparse F1 by 0.03: latent 0 stays the only main latent.
        Assert.Equal([0], a.MainLatents);
        int testA = data.Test.Count(i => data.Words[i].Letter == 'a');
        int testAbsorbed = data.Test.Count(marked.Contains);
        Assert.True(testAbsorbed > 0, "the split put no absorbed word in the test set; pick another seed");
        Assert.Equal(testA, a.ProbeTruePositives);
        // Marked words: main silent, one latent with cos 1/sqrt 2-ish carries >= 0.4 of the projection -> fraction 1, full.
        // Other a-words: the main latent carries it -> 0.
        Assert.Equal((double)testAbsorbed / testA, a.MeanAbsorptionFraction, 12);
        Assert.Equal(testAbsorbed, a.FullAbsorptionCount);
        Assert.Equal((double)testAbsorbed / testA, a.FullAbsorptionRate, 12);
        foreach (var other in r.Letters.Where(l => l.Letter != 'a')) Assert.Equal(0.0, other.MeanAbsorptionFraction, 12);
        Assert.Equal((double)testAbsorbed / testA / 3, r.Metrics.MeanAbsorptionFractionScore, 12);
        Assert.Equal((double)testAbsorbed / testA / 3, r.Metrics.MeanFullAbsorptionScore, 12);
    }

    /// <summary>
    /// The same SAE with feature i rescaled by c_i (encoder row and bias times c_i, decoder row divided by c_i): codes
    /// f_i c_i, identical reconstructions, decoder rows of norm 1/c_i, as export leaves a trained SAE (c = s).
    /// </summary>
    static SaeWeights Rescaled(SaeWeights w, double[] c)
    {
        int d = w.InputDim, m = w.FeatureCount;
        var enc = (float[])w.EncoderWeights.Clone();
        var bias = (float[])w.EncoderBias.Clone();
        var dec = (float[])w.DecoderWeights.Clone();
        for (int i = 0; i < m; i++)
        {
            bias[i] = (float)(bias[i] * c[i]);
            for (int j = 0; j < d; j++) { enc[i * d + j] = (float)(enc[i * d + j] * c[i]); dec[i * d + j] = (float)(dec[i * d + j] / c[i]); }
        }
        return new SaeWeights(w.Architecture, w.Activation, d, m, enc, bias, dec, (float[])w.DecoderBias.Clone());
    }

    [Fact]
    public void RescaledDecoderRows_ScoreLikeTheUnitRowSae()
    {
        // Same function, different parametrisation: absorption must not change. Main latents are scaled up and
        // absorbers down (c = 4 and 0.25), so scoring with f_i cos_i would miss the absorption (q / A drops 4x)
        // and ranking raw codes would prefer other latents.
        const int absorbed = 12;
        var (data, _) = Task(absorbed);
        var unit = Sae(absorbed);
        var c = Enumerable.Range(0, unit.FeatureCount).Select(i => i < 4 ? (i == 3 ? 6.0 : 4.0) : 0.25).ToArray();
        var expected = new AbsorptionEvaluator(Abc).Score(data, unit);
        var got = new AbsorptionEvaluator(Abc).Score(data, Rescaled(unit, c));
        Assert.True(expected.Letters.Single(l => l.Letter == 'a').FullAbsorptionCount > 0);
        Assert.Equal(expected.Letters.Count, got.Letters.Count);
        for (int k = 0; k < expected.Letters.Count; k++)
        {
            var (e, g) = (expected.Letters[k], got.Letters[k]);
            Assert.Equal(e.MainLatents, g.MainLatents);
            Assert.Equal(e.ProbeTruePositives, g.ProbeTruePositives);
            Assert.Equal(e.FullAbsorptionCount, g.FullAbsorptionCount);
            Assert.Equal(e.MeanAbsorptionFraction, g.MeanAbsorptionFraction, 6);
        }
        Assert.Equal(expected.Metrics.MeanAbsorptionFractionScore, got.Metrics.MeanAbsorptionFractionScore, 6);
        Assert.Equal(expected.Metrics.MeanFullAbsorptionScore, got.Metrics.MeanFullAbsorptionScore, 12);
    }

    static void Near(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * (1 + Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Fact]
    public void UnbalancedLetterProbeMatchesNewtonLogisticRegression()
    {
        // Same objective as LogisticRegression (standardised inputs, lambda 1, no class weights): the optima must agree.
        var (data, _) = Task(absorbed: 2, seed: 5);
        int d = data.Dimension;
        var labels = data.Words.Select(w => w.LetterIndex).ToArray();
        var probe = LetterProbe.Fit(data.Activations, d, labels, data.Train, 3, lambda: 1.0, balanced: false);

        int n = data.Train.Length;
        var mean = new double[d];
        var std = new double[d];
        foreach (var i in data.Train) for (int j = 0; j < d; j++) mean[j] += data.Activations[i * d + j] / (double)n;
        foreach (var i in data.Train) for (int j = 0; j < d; j++) std[j] += Math.Pow(data.Activations[i * d + j] - mean[j], 2) / n;
        for (int j = 0; j < d; j++) std[j] = std[j] > 1e-24 ? Math.Sqrt(std[j]) : 1;
        var xs = new double[n * d];
        for (int r = 0; r < n; r++) for (int j = 0; j < d; j++) xs[r * d + j] = (data.Activations[data.Train[r] * d + j] - mean[j]) / std[j];
        for (int c = 0; c < 3; c++)
        {
            var y = data.Train.Select(i => labels[i] == c).ToArray();
            var newton = LogisticRegression.Fit(xs, n, d, y, 1.0);
            var w = probe.Direction(c);
            // Tolerance: both stop at a small gradient, so agree to ~1e-5 relative.
            for (int j = 0; j < d; j++) Near(newton.Weights[j] / std[j], w[j]);
            // Scores agree on every row: z_raw(x) = w_std . (x - mean) / std + b.
            foreach (var i in data.Test)
            {
                double z = newton.Bias;
                for (int j = 0; j < d; j++) z += newton.Weights[j] * (data.Activations[i * d + j] - mean[j]) / std[j];
                Near(z, probe.Score(data.Activations.AsSpan(i * d, d), c));
            }
        }
    }
}
