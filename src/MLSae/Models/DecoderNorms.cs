namespace MLSae.Models;

/// <summary>
/// Decoder row lengths and the unit-row form of an SAE. A trained MLSae SAE does not have unit decoder rows:
/// export folds the activation-normalisation scale s into the decoder (rows of norm 1/s) and
/// <c>L1Weighting.DecoderNorm</c> lets norms float. The SAE with rows W_dec[i] / ||W_dec[i]|| and codes
/// f_i ||W_dec[i]|| reconstructs exactly the same x_hat; it is the form SAEBench assumes
/// (sae_bench/custom_saes/base_sae.py, <c>check_decoder_norms</c>), and in it a code value is the length of the
/// feature's contribution to x_hat. Metrics that compare code values across features use that form.
/// </summary>
internal static class DecoderNorms
{
    /// <summary>||W_dec[i]|| for every feature, in double.</summary>
    public static double[] Of(SaeWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var norms = new double[weights.FeatureCount];
        for (int i = 0; i < norms.Length; i++)
        {
            double s = 0;
            foreach (var w in weights.DecoderRow(i)) s += (double)w * w;
            norms[i] = Math.Sqrt(s);
        }
        return norms;
    }

    /// <summary>The decoder of the unit-row form, [m, d]: W_dec[i] / ||W_dec[i]|| (a zero row stays zero).</summary>
    public static float[] UnitRows(SaeWeights weights, ReadOnlySpan<double> norms)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int d = weights.InputDim, m = weights.FeatureCount;
        if (norms.Length != m) throw new ArgumentException($"{norms.Length} norms given for m={m} features.", nameof(norms));
        var rows = new float[(long)m * d];
        for (int i = 0; i < m; i++)
        {
            var src = weights.DecoderRow(i);
            double scale = norms[i] > 0 ? 1 / norms[i] : 0;
            for (int j = 0; j < d; j++) rows[(long)i * d + j] = (float)(src[j] * scale);
        }
        return rows;
    }

    /// <summary>Multiplies each of <paramref name="rows"/> code rows ([rows, m]) by the norms in place: codes of the unit-row form.</summary>
    public static void Fold(Span<float> codes, int rows, ReadOnlySpan<double> norms)
    {
        int m = norms.Length;
        if (codes.Length < (long)rows * m)
            throw new ArgumentException($"{rows} code rows of m={m} need {(long)rows * m} values; got {codes.Length}.", nameof(codes));
        for (int r = 0; r < rows; r++)
        {
            var row = codes.Slice(r * m, m);
            for (int i = 0; i < m; i++) row[i] = (float)(row[i] * norms[i]);
        }
    }
}
