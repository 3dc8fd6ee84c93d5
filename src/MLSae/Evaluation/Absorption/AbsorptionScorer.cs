namespace MLSae.Evaluation.Absorption;

/// <summary>Absorption of one word: the share of its first-letter signal carried by non-main latents.</summary>
/// <param name="AbsorptionFraction">In [0, 1]; 0 when the main latents carry the probe projection.</param>
/// <param name="IsFullAbsorption">Main latents silent and a single probe-aligned latent carries the signal.</param>
/// <param name="ProbeProjection">x . p for the unit probe direction p.</param>
public readonly record struct WordAbsorption(double AbsorptionFraction, bool IsFullAbsorption, double ProbeProjection);

/// <summary>
/// SAEBench's per-word absorption scoring for one letter, given the word's activation x at the
/// word token, its SAE code f, the letter's probe direction and the letter's main latents.
/// With p the unit probe direction, c_i = cos(p, W_dec[i]) and the latent projection q_i = f_i (W_dec[i] . p), the
/// projection of the latent's contribution f_i W_dec[i] on p. SAEBench writes q_i = f_i c_i
/// (sae_bench/evals/absorption/feature_absorption_calculator.py), which is the same on its unit-norm decoder rows;
/// MLSae's trained SAEs have rows of other lengths, so their activations are read in the unit-row form
/// f_i ||W_dec[i]|| (<see cref="Models.DecoderNorms"/>) here, including the "main latents silent" test.
/// <list type="bullet">
/// <item>absorption fraction: A = x.p, M = sum over main latents of q_i; potential absorbers are the
/// non-main latents with c_i &gt;= the fraction threshold and q_i &gt; 0; T = sum of their top
/// <c>MaxAbsorbingLatents</c> q_i. If M &gt;= A or T / A &lt; the proportion threshold: 0; else if M &lt;= 0: 1;
/// else a = min(T, A - M) and the fraction is clip(a / (a + M), 0, 1).</item>
/// <item>full absorption: every main latent has |f_i| ||W_dec[i]|| &lt; 1e-8, the latent with the largest q_i has
/// c_i &gt;= the full threshold, A &gt;= 0 and q_top / A &gt;= the proportion threshold.</item>
/// </list>
/// </summary>
public sealed class AbsorptionScorer
{
    const double Eps = 1e-8;
    readonly double[] _probe;   // unit probe direction
    readonly double[] _cos;     // cos(probe, decoder row i)
    readonly double[] _norm;    // ||W_dec[i]||: f_i _norm[i] is the activation of the unit-row form
    readonly double[] _proj;    // W_dec[i] . probe = _norm[i] _cos[i]
    readonly int[] _main;
    readonly bool[] _isMain;
    readonly AbsorptionOptions _options;

    /// <summary>
    /// Prepares scoring for one letter: <paramref name="decoder"/> is W_dec [m, d] (feature-major),
    /// <paramref name="probeDirection"/> the letter probe's weight vector (any length; it is normalised),
    /// <paramref name="mainLatents"/> the letter's main latents.
    /// </summary>
    public AbsorptionScorer(ReadOnlySpan<float> decoder, int featureCount, ReadOnlySpan<double> probeDirection, int[] mainLatents, AbsorptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(mainLatents);
        int d = probeDirection.Length;
        if (d == 0 || decoder.Length != (long)featureCount * d)
            throw new ArgumentException($"Decoder has {decoder.Length} values; {featureCount} features of d={d} need {(long)featureCount * d}.", nameof(decoder));
        double norm = 0;
        foreach (var v in probeDirection) norm += v * v;
        norm = Math.Sqrt(norm);
        if (!(norm > 0)) throw new ArgumentException("The probe direction is zero; the letter probe did not train.", nameof(probeDirection));
        _probe = new double[d];
        for (int j = 0; j < d; j++) _probe[j] = probeDirection[j] / norm;
        _cos = new double[featureCount];
        _norm = new double[featureCount];
        _proj = new double[featureCount];
        for (int i = 0; i < featureCount; i++)
        {
            var row = decoder.Slice(i * d, d);
            double dot = 0, rn = 0;
            for (int j = 0; j < d; j++) { dot += row[j] * _probe[j]; rn += (double)row[j] * row[j]; }
            _norm[i] = Math.Sqrt(rn);
            _proj[i] = dot;
            _cos[i] = rn > 0 ? dot / _norm[i] : 0;
        }
        _main = mainLatents;
        _isMain = new bool[featureCount];
        foreach (var i in mainLatents)
        {
            if ((uint)i >= (uint)featureCount) throw new ArgumentOutOfRangeException(nameof(mainLatents), i, $"Main latent {i} is outside [0, {featureCount}).");
            _isMain[i] = true;
        }
        _options = options;
    }

    /// <summary>Scores one word from its activation <paramref name="x"/> [d] and code <paramref name="f"/> [m] (the SAE's own codes for the decoder given).</summary>
    public WordAbsorption Score(ReadOnlySpan<float> x, ReadOnlySpan<float> f)
    {
        int m = _cos.Length;
        double a = 0;
        for (int j = 0; j < _probe.Length; j++) a += x[j] * _probe[j];

        double main = 0;
        foreach (var i in _main) main += f[i] * _proj[i];

        // Top MaxAbsorbingLatents projections among qualifying non-main latents, and the overall top projection.
        var top = new double[Math.Max(1, _options.MaxAbsorbingLatents)];
        int topCount = 0;
        double bestQ = double.NegativeInfinity;
        int best = -1;
        for (int i = 0; i < m; i++)
        {
            double q = f[i] * _proj[i];
            if (q > bestQ) { bestQ = q; best = i; }
            if (_isMain[i] || !(_cos[i] >= _options.AbsorptionFractionProbeCosSimThreshold) || !(q > 0) || _options.MaxAbsorbingLatents == 0) continue;
            if (topCount < top.Length) { top[topCount++] = q; Array.Sort(top, 0, topCount); }
            else if (q > top[0]) { top[0] = q; Array.Sort(top, 0, topCount); }
        }
        double t = 0;
        for (int k = 0; k < topCount; k++) t += top[k];

        double fraction;
        if (main >= a || t / a < _options.ProbeProjectionProportionThreshold) fraction = 0;
        else if (main <= 0) fraction = 1;
        else
        {
            double absorbed = Math.Min(t, a - main);
            fraction = Math.Clamp(absorbed / (absorbed + main), 0, 1);
        }

        bool full = true;
        foreach (var i in _main) if (!(Math.Abs(f[i] * _norm[i]) < Eps)) { full = false; break; }
        if (full) full = best >= 0 && _cos[best] >= _options.FullAbsorptionProbeCosSimThreshold && a >= 0
                         && bestQ / a >= _options.ProbeProjectionProportionThreshold;
        return new WordAbsorption(fraction, full, a);
    }
}
