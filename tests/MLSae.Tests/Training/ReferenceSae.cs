using MLSae.Models;

namespace MLSae.Tests.Training;

/// <summary>Independent double-precision SAE math on plain arrays (feature-major, raw space).</summary>
static class ReferenceSae
{
    public static double[] Pre(SaeWeights w, float[] x, int row)
    {
        int d = w.InputDim, m = w.FeatureCount;
        var pre = new double[m];
        for (int i = 0; i < m; i++)
        {
            double s = w.EncoderBias[i];
            for (int j = 0; j < d; j++) s += (double)w.EncoderWeights[i * d + j] * (x[row * d + j] - (double)w.DecoderBias[j]);
            pre[i] = s;
        }
        return pre;
    }

    public static double[] Decode(SaeWeights w, double[] f, int prefix = -1)
    {
        int d = w.InputDim, m = prefix < 0 ? w.FeatureCount : prefix;
        var xh = new double[d];
        for (int j = 0; j < d; j++) xh[j] = w.DecoderBias[j];
        for (int i = 0; i < m; i++)
            if (f[i] != 0) for (int j = 0; j < d; j++) xh[j] += f[i] * w.DecoderWeights[i * d + j];
        return xh;
    }

    public static double SqErr(float[] x, int row, double[] xh)
    {
        double s = 0;
        for (int j = 0; j < xh.Length; j++) { double e = x[row * xh.Length + j] - xh[j]; s += e * e; }
        return s;
    }

    public static double[] TopK(double[] pre, int k)
    {
        var f = new double[pre.Length];
        foreach (var i in Enumerable.Range(0, pre.Length).OrderByDescending(i => pre[i]).Take(k)) f[i] = Math.Max(0, pre[i]);
        return f;
    }

    public static float[] Random(int n, int seed, double scale = 1)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    public static SaeWeights RandomWeights(SaeArchitecture arch, SaeActivation act, int d, int m, int seed, float[]? thresholds = null, int k = 0) =>
        new(arch, act, d, m, Random(m * d, seed, 0.5), Random(m, seed + 1, 0.1), Random(m * d, seed + 2, 0.5), Random(d, seed + 3, 0.2), thresholds, k);
}
