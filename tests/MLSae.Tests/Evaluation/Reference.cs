using MLSae.Models;

namespace MLSae.Tests.Evaluation;

/// <summary>Independent double-precision computations the tests compare against.</summary>
static class Reference
{
    public static float[] Random(int count, int seed, double scale = 1, double offset = 0)
    {
        var rng = new System.Random(seed);
        var a = new float[count];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(offset + scale * (rng.NextDouble() * 2 - 1));
        return a;
    }

    /// <summary>f and x_hat for one row, straight from the SaeWeights definition, in double.</summary>
    public static (double[] F, double[] XHat) Forward(SaeWeights w, ReadOnlySpan<float> x)
    {
        int d = w.InputDim, m = w.FeatureCount;
        var pre = new double[m];
        for (int i = 0; i < m; i++)
        {
            double s = w.EncoderBias[i];
            for (int j = 0; j < d; j++) s += (double)w.EncoderWeights[i * d + j] * (x[j] - (double)w.DecoderBias[j]);
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
                var idx = Enumerable.Range(0, m).OrderByDescending(i => pre[i]).ThenBy(i => i).Take(w.K).ToHashSet();
                for (int i = 0; i < m; i++) f[i] = idx.Contains(i) ? Math.Max(0, pre[i]) : 0;
                break;
        }
        var xHat = new double[d];
        for (int j = 0; j < d; j++)
        {
            double s = w.DecoderBias[j];
            for (int i = 0; i < m; i++) s += f[i] * w.DecoderWeights[i * d + j];
            xHat[j] = s;
        }
        return (f, xHat);
    }

    public static SaeWeights RandomWeights(int d, int m, SaeActivation act, int seed, int k = 0) =>
        new(SaeArchitecture.Standard, act, d, m,
            Random(m * d, seed, 0.5), Random(m, seed + 1, 0.2), Random(m * d, seed + 2, 0.5), Random(d, seed + 3, 0.3),
            act == SaeActivation.JumpReLU ? Random(m, seed + 4, 0.1, 0.1) : null, k);
}
