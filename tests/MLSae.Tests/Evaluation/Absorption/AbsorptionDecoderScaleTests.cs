using MLSae.Evaluation.Absorption;

namespace MLSae.Tests.Evaluation.Absorption;

/// <summary>
/// Absorption scoring with decoder rows that are not unit length (every trained MLSae SAE: export folds the
/// normalisation scale s into the decoder, rows of norm 1/s, and L1Weighting.DecoderNorm lets norms float).
/// SAEBench scores latents as activation x cos(probe, W_dec[i]) on SAEs whose rows are unit length
/// (sae_bench/custom_saes/base_sae.py check_decoder_norms); the equivalent for any row norm is the latent's
/// contribution f_i W_dec[i] projected on the unit probe: f_i (W_dec[i] . p) / ||p||.
/// </summary>
public class AbsorptionDecoderScaleTests
{
    /// <summary>SAEBench's per-word rules on the unit-row form, written out independently in double.</summary>
    static (double Fraction, bool Full, double A) Reference(double[][] decoder, double[] probe, double[] x, double[] f, int[] main,
        AbsorptionOptions o)
    {
        int m = decoder.Length, d = probe.Length;
        double pn = Math.Sqrt(probe.Sum(v => v * v));
        var p = probe.Select(v => v / pn).ToArray();
        var cos = new double[m];
        var act = new double[m];    // activation of the unit-row SAE: f_i ||W_dec[i]||
        for (int i = 0; i < m; i++)
        {
            double norm = 0, dot = 0;
            for (int j = 0; j < d; j++) { norm += decoder[i][j] * decoder[i][j]; dot += decoder[i][j] * p[j]; }
            norm = Math.Sqrt(norm);
            cos[i] = dot / norm;
            act[i] = f[i] * norm;
        }
        var q = new double[m];
        for (int i = 0; i < m; i++) q[i] = act[i] * cos[i];
        double a = 0;
        for (int j = 0; j < d; j++) a += x[j] * p[j];
        double mainProj = main.Sum(i => q[i]);
        var absorbers = Enumerable.Range(0, m).Where(i => !main.Contains(i) && cos[i] >= o.AbsorptionFractionProbeCosSimThreshold && q[i] > 0)
            .Select(i => q[i]).OrderDescending().Take(o.MaxAbsorbingLatents).ToArray();
        double t = absorbers.Sum();
        double fraction;
        if (mainProj >= a || t / a < o.ProbeProjectionProportionThreshold) fraction = 0;
        else if (mainProj <= 0) fraction = 1;
        else
        {
            double absorbed = Math.Min(t, a - mainProj);
            fraction = Math.Clamp(absorbed / (absorbed + mainProj), 0, 1);
        }
        int top = Enumerable.Range(0, m).MaxBy(i => q[i]);
        bool full = main.All(i => Math.Abs(act[i]) < 1e-8) && cos[top] >= o.FullAbsorptionProbeCosSimThreshold && a >= 0
                    && q[top] / a >= o.ProbeProjectionProportionThreshold;
        return (fraction, full, a);
    }

    static float[] Flat(double[][] rows) => rows.SelectMany(r => r.Select(v => (float)v)).ToArray();

    [Fact]
    public void PartialAbsorption_UsesTheDecoderRowLength()
    {
        // p = (1, 0). Main latent 0 decodes to (2, 0) (norm 2), latent 1 to (0.3, 0.4) (norm 0.5, cos 0.6), latent 2 to (0, 1).
        // x = (2, 1), f = (0.5, 3, 0): A = 2, M = 0.5 * 2 = 1, q1 = 3 * 0.3 = 0.9, T / A = 0.45 >= 0.4,
        // absorbed = min(0.9, 2 - 1) = 0.9, fraction 0.9 / 1.9. (With f_i cos_i: M = 0.5, q1 = 1.8, fraction 0.75.)
        double[][] dec = [[2, 0], [0.3, 0.4], [0, 1]];
        var scorer = new AbsorptionScorer(Flat(dec), 3, [1.0, 0.0], [0], new AbsorptionOptions());
        var s = scorer.Score([2f, 1f], [0.5f, 3f, 0f]);
        Assert.Equal(0.9 / 1.9, s.AbsorptionFraction, 6);
        Assert.False(s.IsFullAbsorption);
    }

    [Fact]
    public void FullAbsorption_UsesTheDecoderRowLength()
    {
        // Main silent; latent 1 (0.3, 0.4) fires 2: its contribution (0.6, 0.8) projects 0.6 on p, 0.6 / A = 0.3 < 0.4 at A = 2.
        // (With f_i cos_i it would be 1.2 / 2 = 0.6: falsely full.)
        double[][] dec = [[2, 0], [0.3, 0.4], [0, 1]];
        var scorer = new AbsorptionScorer(Flat(dec), 3, [1.0, 0.0], [0], new AbsorptionOptions());
        var s = scorer.Score([2f, 0.8f], [0f, 2f, 0f]);
        Assert.False(s.IsFullAbsorption);
        Assert.Equal(0.0, s.AbsorptionFraction, 12);   // T / A = 0.3 < 0.4
        // At A = 1.2 the same latent carries half: full absorption, fraction 1 (main silent).
        var t = scorer.Score([1.2f, 0.8f], [0f, 2f, 0f]);
        Assert.True(t.IsFullAbsorption);
        Assert.Equal(1.0, t.AbsorptionFraction, 12);
    }

    [Fact]
    public void RandomWords_MatchTheUnitRowReference()
    {
        // Rows with norms between 0.1 and 5 (different per row); x near the reconstruction so every branch is reached.
        const int d = 6, m = 10, words = 600;
        var rng = new Random(11);
        var dec = new double[m][];
        for (int i = 0; i < m; i++)
        {
            var row = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            row[0] += i < 5 ? 1.5 : 0;    // half the latents lean towards the probe
            double norm = Math.Sqrt(row.Sum(v => v * v)), target = 0.1 + 4.9 * rng.NextDouble();
            dec[i] = row.Select(v => v / norm * target).ToArray();
        }
        double[] probe = [3, 0.2, -0.1, 0, 0.3, 0];
        int[] main = [0, 1];
        var options = new AbsorptionOptions();
        var scorer = new AbsorptionScorer(Flat(dec), m, probe, main, options);
        int partial = 0, full = 0, zero = 0;
        for (int w = 0; w < words; w++)
        {
            var f = new double[m];
            for (int i = 0; i < m; i++) f[i] = rng.NextDouble() < 0.3 ? 2 * rng.NextDouble() : 0;
            if (w % 3 == 0) { f[0] = 0; f[1] = 0; }
            var x = new double[d];
            for (int j = 0; j < d; j++) { for (int i = 0; i < m; i++) x[j] += f[i] * dec[i][j]; x[j] += 0.3 * (rng.NextDouble() - 0.5); }
            var ff = f.Select(v => (float)v).ToArray();
            var xf = x.Select(v => (float)v).ToArray();
            // The reference sees the float-rounded inputs the scorer sees.
            var (fraction, isFull, a) = Reference(dec.Select(r => r.Select(v => (double)(float)v).ToArray()).ToArray(), probe,
                xf.Select(v => (double)v).ToArray(), ff.Select(v => (double)v).ToArray(), main, options);
            var got = scorer.Score(xf, ff);
            Assert.Equal(a, got.ProbeProjection, 9);
            Assert.True(Math.Abs(fraction - got.AbsorptionFraction) <= 1e-9, $"word {w}: expected fraction {fraction}, got {got.AbsorptionFraction}");
            Assert.Equal(isFull, got.IsFullAbsorption);
            if (isFull) full++;
            if (fraction > 0 && fraction < 1) partial++;
            if (fraction == 0) zero++;
        }
        // The data reaches every branch (otherwise the comparison proves little).
        Assert.True(partial >= 20 && full >= 5 && zero >= 20, $"partial {partial}, full {full}, zero {zero}");
    }
}
