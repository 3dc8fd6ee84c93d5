using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;

namespace MLSae.Ordering;

/// <summary>Per-feature statistics of an SAE over a set of activations, in the SAE's current feature order.</summary>
/// <param name="Tokens">Rows the statistics were computed on.</param>
/// <param name="Frequency">[m] fraction of rows with f_i &gt; 0.</param>
/// <param name="MeanActivation">[m] mean of f_i over rows (zeros included).</param>
/// <param name="DecoderNorm">[m] ||W_dec[i]||.</param>
public sealed record FeatureStatistics(long Tokens, double[] Frequency, double[] MeanActivation, double[] DecoderNorm)
{
    /// <summary>[m] mean(f_i) x ||W_dec[i]||.</summary>
    public double[] Importance()
    {
        var r = new double[Frequency.Length];
        for (int i = 0; i < r.Length; i++) r[i] = MeanActivation[i] * DecoderNorm[i];
        return r;
    }

    /// <summary>The sort key values for <paramref name="key"/> (null for <see cref="FeatureOrderKey.Original"/> and <see cref="FeatureOrderKey.Random"/>).</summary>
    public double[]? Keys(FeatureOrderKey key) => key switch
    {
        FeatureOrderKey.Frequency => Frequency,
        FeatureOrderKey.MeanActivation => MeanActivation,
        FeatureOrderKey.Importance => Importance(),
        _ => null,
    };

    /// <summary>Computes the statistics of <paramref name="weights"/> over (up to <paramref name="maxRows"/>) rows of <paramref name="source"/>.</summary>
    public static FeatureStatistics Compute(SaeWeights weights, IActivationSource source, long maxRows = long.MaxValue,
        int batchRows = 256, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(source);
        if (source.Dimension != weights.InputDim)
            throw new ArgumentException($"Activations have d={source.Dimension} but the SAE reads d={weights.InputDim}; use activations from the same model and layer.", nameof(source));
        int d = weights.InputDim, m = weights.FeatureCount;
        long total = Math.Min(maxRows, source.RowCount);
        if (total <= 0) throw new ArgumentException("The activation source has no rows.", nameof(source));
        var forward = new SaeCpuForward(weights);
        var x = new float[batchRows * d];
        var f = new float[(long)batchRows * m];
        var fires = new long[m];
        var sums = new double[m];
        for (long row = 0; row < total; row += batchRows)
        {
            int n = (int)Math.Min(batchRows, total - row);
            source.ReadRows(row, n, x.AsSpan(0, n * d));
            forward.Encode(x.AsSpan(0, n * d), n, f.AsSpan(0, n * m));
            for (int r = 0; r < n; r++)
            {
                var fr = f.AsSpan(r * m, m);
                for (int i = 0; i < m; i++)
                {
                    float v = fr[i];
                    if (v > 0f) fires[i]++;
                    sums[i] += v;
                }
            }
            progress?.Report(new ProgressInfo(row + n, total, "rows", "feature statistics"));
        }
        var freq = new double[m];
        var mean = new double[m];
        var norm = new double[m];
        for (int i = 0; i < m; i++)
        {
            freq[i] = fires[i] / (double)total;
            mean[i] = sums[i] / total;
            double s = 0;
            foreach (var w in weights.DecoderRow(i)) s += (double)w * w;
            norm[i] = Math.Sqrt(s);
        }
        return new FeatureStatistics(total, freq, mean, norm);
    }
}
