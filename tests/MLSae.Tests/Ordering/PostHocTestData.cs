using MLSae.Models;

namespace MLSae.Tests.Ordering;

static class PostHocTestData
{
    public static SaeWeights RandomSae(int d, int m, int seed, SaeActivation act = SaeActivation.ReLU, int k = 0)
    {
        var rng = new Random(seed);
        float[] R(int n, double s) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * s)).ToArray();
        var th = act == SaeActivation.JumpReLU ? Enumerable.Range(0, m).Select(_ => (float)(rng.NextDouble() * 0.3)).ToArray() : null;
        return new SaeWeights(act == SaeActivation.TopK ? SaeArchitecture.TopK : SaeArchitecture.Standard, act, d, m,
            R(m * d, 0.5), R(m, 0.2), R(m * d, 0.5), R(d, 0.1), th, k);
    }

    public static float[] RandomRows(int rows, int d, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows * d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Reference encode in double precision with plain loops.</summary>
    public static double[] Encode(SaeWeights w, float[] x, int row)
    {
        int d = w.InputDim, m = w.FeatureCount;
        var pre = new double[m];
        for (int i = 0; i < m; i++)
        {
            double s = w.EncoderBias[i];
            for (int k = 0; k < d; k++) s += (double)w.EncoderWeights[i * d + k] * ((double)x[row * d + k] - w.DecoderBias[k]);
            pre[i] = s;
        }
        var f = new double[m];
        switch (w.Activation)
        {
            case SaeActivation.ReLU:
                for (int i = 0; i < m; i++) f[i] = Math.Max(0, pre[i]);
                break;
            case SaeActivation.JumpReLU:
                for (int i = 0; i < m; i++) f[i] = pre[i] > w.Thresholds![i] ? pre[i] : 0;
                break;
            case SaeActivation.TopK:
                var top = Enumerable.Range(0, m).OrderByDescending(i => pre[i]).ThenBy(i => i).Take(w.K).ToHashSet();
                for (int i = 0; i < m; i++) f[i] = top.Contains(i) ? Math.Max(0, pre[i]) : 0;
                break;
        }
        return f;
    }

    public static double[] Decode(SaeWeights w, double[] f)
    {
        int d = w.InputDim;
        var xh = new double[d];
        for (int k = 0; k < d; k++) xh[k] = w.DecoderBias[k];
        for (int i = 0; i < f.Length; i++)
            for (int k = 0; k < d; k++) xh[k] += f[i] * w.DecoderWeights[i * d + k];
        return xh;
    }
}
