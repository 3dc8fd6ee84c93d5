using Microsoft.ML;
using MLSae.Activations;
using MLSae.Models;

namespace MLSae.Tests.Evaluation;

/// <summary>
/// Core metrics of an SAE whose decoder rows are not unit length: l1 and feature mean activations are read in the
/// unit-row form f_i ||W_dec[i]|| (the form SAEBench requires: sae_bench/custom_saes/base_sae.py check_decoder_norms),
/// so two parametrisations of the same function score the same.
/// </summary>
public class DecoderScaleMetricsTests
{
    /// <summary>Random ReLU SAE whose decoder rows have lengths 0.2 .. 5 (different per row).</summary>
    static SaeWeights NonUnitSae(int d, int m, int seed)
    {
        var w = Reference.RandomWeights(d, m, SaeActivation.ReLU, seed);
        var dec = (float[])w.DecoderWeights.Clone();
        for (int i = 0; i < m; i++)
        {
            double norm = Math.Sqrt(Enumerable.Range(0, d).Sum(j => (double)dec[i * d + j] * dec[i * d + j]));
            double target = 0.2 + 4.8 * i / (m - 1);
            for (int j = 0; j < d; j++) dec[i * d + j] = (float)(dec[i * d + j] / norm * target);
        }
        return new SaeWeights(w.Architecture, w.Activation, d, m, w.EncoderWeights, w.EncoderBias, dec, w.DecoderBias);
    }

    [Fact]
    public void L1AndMeanActivations_UseTheDecoderRowLength()
    {
        const int d = 6, m = 9, n = 57;
        var w = NonUnitSae(d, m, 70);
        var x = Reference.Random(n * d, 71, 1.0, 0.2);
        var metrics = new MLContext(seed: 1).SaeEvaluation().Evaluate(w, new InMemoryActivationSource(x, d),
            new MLSae.Evaluation.MetricsEvaluatorOptions { BatchSize = 16 });

        // Independent: codes from the definition in double, times the row length.
        var norm = new double[m];
        for (int i = 0; i < m; i++) for (int j = 0; j < d; j++) norm[i] += (double)w.DecoderWeights[i * d + j] * w.DecoderWeights[i * d + j];
        for (int i = 0; i < m; i++) norm[i] = Math.Sqrt(norm[i]);
        double l1 = 0, rawL1 = 0;
        var sum = new double[m];
        var fires = new int[m];
        for (int t = 0; t < n; t++)
        {
            var f = Reference.Forward(w, x.AsSpan(t * d, d)).F;
            for (int i = 0; i < m; i++)
            {
                if (f[i] == 0) continue;
                l1 += Math.Abs(f[i]) * norm[i];
                rawL1 += Math.Abs(f[i]);
                sum[i] += f[i] * norm[i];
                fires[i]++;
            }
        }
        // ONNX Runtime in float32 against double: 1e-5 relative.
        static void Near(double e, double g, string what) => Assert.True(Math.Abs(e - g) <= 1e-5 * (1 + Math.Abs(e)), $"{what}: expected {e}, got {g}");
        Near(l1 / n, metrics.L1, "l1");
        Assert.True(Math.Abs(rawL1 - l1) > 0.05 * l1, "the row lengths must matter for this test");
        for (int i = 0; i < m; i++) Near(fires[i] == 0 ? 0 : sum[i] / fires[i], metrics.FeatureMeanActivations[i], $"mean activation {i}");
        Assert.True(fires.Count(c => c > 0) >= m / 2, "too few features fired; pick another seed");
    }

    [Fact]
    public void UnitRowForward_IsTheSameForEveryParametrisation()
    {
        // Feature i rescaled by c_i (encoder row and bias times c_i, decoder row over c_i) is the same function.
        const int d = 5, m = 7, n = 20;
        var w = NonUnitSae(d, m, 80);
        var c = Enumerable.Range(0, m).Select(i => 0.3 + i).ToArray();
        var enc = (float[])w.EncoderWeights.Clone();
        var bias = (float[])w.EncoderBias.Clone();
        var dec = (float[])w.DecoderWeights.Clone();
        for (int i = 0; i < m; i++)
        {
            bias[i] = (float)(bias[i] * c[i]);
            for (int j = 0; j < d; j++) { enc[i * d + j] = (float)(enc[i * d + j] * c[i]); dec[i * d + j] = (float)(dec[i * d + j] / c[i]); }
        }
        var w2 = new SaeWeights(w.Architecture, w.Activation, d, m, enc, bias, dec, w.DecoderBias);
        var x = Reference.Random(n * d, 81, 1.0);
        var (f1, f2) = (new float[n * m], new float[n * m]);
        var (y1, y2) = (new float[n * d], new float[n * d]);
        new UnitRowSaeForward(new SaeCpuForward(w), w).Run(x, n, f1, y1);
        new UnitRowSaeForward(new SaeCpuForward(w2), w2).Run(x, n, f2, y2);
        for (int k = 0; k < f1.Length; k++) Assert.True(Math.Abs(f1[k] - f2[k]) <= 1e-5 * (1 + Math.Abs(f1[k])), $"code {k}: {f1[k]} vs {f2[k]}");
        for (int k = 0; k < y1.Length; k++) Assert.True(Math.Abs(y1[k] - y2[k]) <= 1e-5 * (1 + Math.Abs(y1[k])), $"reconstruction {k}");
    }

    sealed class FixedTexts(float[][] perText, int d) : MLSae.Evaluation.Probing.ITextActivationSource
    {
        public int Dimension => d;
        public float[] GetTokenActivations(string text, out int tokens)
        {
            var x = perText[int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)];
            tokens = x.Length / d;
            return x;
        }
    }

    [Fact]
    public void SparseProbing_ThroughUnitRowForward_IsTheSameForEveryParametrisation()
    {
        // A rescaled SAE (feature i times c_i, decoder over c_i) must rank and probe exactly like the original once codes
        // are read in the unit-row form; with raw codes the mean-difference ranking follows c_i instead.
        const int d = 5, m = 12, texts = 120;
        var w = NonUnitSae(d, m, 90);
        var c = Enumerable.Range(0, m).Select(i => i % 2 == 0 ? 8.0 : 0.125).ToArray();
        var enc = (float[])w.EncoderWeights.Clone();
        var bias = (float[])w.EncoderBias.Clone();
        var dec = (float[])w.DecoderWeights.Clone();
        for (int i = 0; i < m; i++)
        {
            bias[i] = (float)(bias[i] * c[i]);
            for (int j = 0; j < d; j++) { enc[i * d + j] = (float)(enc[i * d + j] * c[i]); dec[i * d + j] = (float)(dec[i * d + j] / c[i]); }
        }
        var w2 = new SaeWeights(w.Architecture, w.Activation, d, m, enc, bias, dec, w.DecoderBias);
        var rng = new Random(91);
        var perText = new float[texts][];
        var labelled = new List<MLSae.Evaluation.Probing.LabeledText>();
        for (int t = 0; t < texts; t++)
        {
            bool pos = t % 2 == 0;
            int tokens = 2 + t % 3;
            perText[t] = Enumerable.Range(0, tokens * d).Select(k => (float)(rng.NextDouble() * 2 - 1 + (pos && k % d == 1 ? 0.6 : 0))).ToArray();
            labelled.Add(new MLSae.Evaluation.Probing.LabeledText(t.ToString(System.Globalization.CultureInfo.InvariantCulture), pos ? "p" : "n"));
        }
        var source = new FixedTexts(perText, d);
        var options = new MLSae.Evaluation.Probing.SparseProbingOptions { PositiveClass = "p", KValues = [1, 2, 5] };
        MLSae.Evaluation.Probing.ProbeTaskResult Probe(SaeWeights sae) =>
            new MLSae.Evaluation.Probing.SparseProbingEvaluator(options).Evaluate(
                MLSae.Evaluation.Probing.ProbingDataBuilder.Build(labelled, source, new UnitRowSaeForward(new SaeCpuForward(sae), sae))).Tasks.Single();
        var (a, b) = (Probe(w), Probe(w2));
        foreach (var k in options.KValues)
        {
            Assert.Equal(a.SaeTopKLatents[k], b.SaeTopKLatents[k]);
            Assert.Equal(a.SaeTopK[k], b.SaeTopK[k], 9);
        }
        // The rescaling does change the raw-code ranking (otherwise this test could not fail).
        var raw = MLSae.Evaluation.Probing.ProbingDataBuilder.Build(labelled, source, new SaeCpuForward(w2));
        var rawTop = new MLSae.Evaluation.Probing.SparseProbingEvaluator(options).Evaluate(raw).Tasks.Single().SaeTopKLatents[5];
        Assert.NotEqual(a.SaeTopKLatents[5], rawTop);
    }
}
