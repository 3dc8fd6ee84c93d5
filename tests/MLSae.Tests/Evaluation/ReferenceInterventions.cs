using MLSae.Interventions;
using MLSae.Models;

namespace MLSae.Tests.Evaluation;

/// <summary>Plain-loop reference of an intervention on one row, written from the edit definitions (not from SaeIntervention's a/c/e form).</summary>
static class Interventions
{
    /// <summary>x + sum over edits of (f'_j - f_j) W_dec[j], in double, given the row's codes <paramref name="f"/>.</summary>
    public static double[] EditedResidualFor(SaeWeights sae, ReadOnlySpan<float> x, double[] f, SaeIntervention intervention)
    {
        int d = sae.InputDim;
        var row = new double[d];
        for (int j = 0; j < d; j++) row[j] = x[j];
        foreach (var e in intervention.Edits)
        {
            double fj = f[e.Latent];
            double edited = e.Kind switch
            {
                LatentEditKind.Zero => 0,
                LatentEditKind.Clamp => e.Value,
                LatentEditKind.ClampActive => fj > 0 ? e.Value : fj,
                LatentEditKind.Scale => e.Value * fj,
                _ => fj + e.Value,
            };
            for (int j = 0; j < d; j++) row[j] += (edited - fj) * sae.DecoderRow(e.Latent)[j];
        }
        return row;
    }
}
