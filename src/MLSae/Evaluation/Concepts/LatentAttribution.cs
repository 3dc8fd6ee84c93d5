using MLSae.Models;

namespace MLSae.Evaluation.Concepts;

/// <summary>
/// SAEBench's choice of latents to ablate for a probe (scr_and_tpp/main.py,
/// get_effects_per_class_precomputed_acts and select_top_n_features): effect_j = (mean pooled f_j over the
/// probe's positive training texts - mean over its negatives) x (W_dec[j] . w_probe). SCR ranks |effect|;
/// TPP first clamps the mean difference at 0 (latents more active on the positive class) and ranks the signed
/// effect. The top n by effect are taken, but never more than the number of non-zero effects.
/// </summary>
public static class LatentAttribution
{
    /// <summary>The effect of every latent for a probe with input-space weights <paramref name="probeWeights"/>.</summary>
    public static double[] Effects(ConceptData data, double[] probeWeights, IReadOnlyList<int> positives, IReadOnlyList<int> negatives, bool absolute)
    {
        ArgumentNullException.ThrowIfNull(data);
        var sae = data.Sae;
        int m = sae.FeatureCount, d = sae.InputDim;
        var diff = new double[m];
        Accumulate(data.Codes, m, positives, diff, 1.0 / Math.Max(1, positives.Count));
        Accumulate(data.Codes, m, negatives, diff, -1.0 / Math.Max(1, negatives.Count));
        var effects = new double[m];
        for (int j = 0; j < m; j++)
        {
            var row = sae.DecoderRow(j);
            double dot = 0;
            for (int i = 0; i < d; i++) dot += row[i] * probeWeights[i];
            double delta = absolute ? diff[j] : Math.Max(diff[j], 0);
            effects[j] = absolute ? Math.Abs(delta * dot) : delta * dot;
        }
        return effects;
    }

    /// <summary>
    /// The <paramref name="n"/> latents with the largest effect (ties: lower index), or all latents with a non-zero effect
    /// when fewer; <paramref name="n"/> above m is an error.
    /// </summary>
    public static int[] Top(double[] effects, int n)
    {
        ArgumentNullException.ThrowIfNull(effects);
        if (n > effects.Length) throw new ArgumentOutOfRangeException(nameof(n), $"n = {n} exceeds the SAE's m = {effects.Length} latents.");
        int nonZero = effects.Count(e => e != 0);
        int k = Math.Min(n, nonZero);
        var order = Enumerable.Range(0, effects.Length).ToArray();
        Array.Sort(order, (a, b) => effects[b] != effects[a] ? effects[b].CompareTo(effects[a]) : a.CompareTo(b));
        return order[..k];
    }

    static void Accumulate(float[] codes, int m, IReadOnlyList<int> rows, double[] into, double weight)
    {
        foreach (var r in rows)
        {
            var row = codes.AsSpan(r * m, m);
            for (int j = 0; j < m; j++) into[j] += weight * row[j];
        }
    }
}
