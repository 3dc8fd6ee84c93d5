using MLSae.Models;

namespace MLSae.Tests.Scoring;

/// <summary>Random SAEs and an independent double-precision forward pass for tests.</summary>
static class TestSaes
{
    public static SaeWeights Random(SaeActivation activation, int d = 12, int m = 40, int seed = 1, int k = 5, SaeInfo? info = null)
    {
        var rng = new Random(seed);
        float[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        var arch = activation switch { SaeActivation.JumpReLU => SaeArchitecture.JumpReLU, SaeActivation.TopK => SaeArchitecture.TopK, _ => SaeArchitecture.Standard };
        return new SaeWeights(arch, activation, d, m, R(m * d, 0.5), R(m, 0.3), R(m * d, 0.5), R(d, 0.2),
            activation == SaeActivation.JumpReLU ? Enumerable.Range(0, m).Select(_ => (float)(rng.NextDouble() * 0.4)).ToArray() : null,
            activation == SaeActivation.TopK ? k : 0)
        { Info = info ?? new SaeInfo() };
    }

    public static float[] Activations(int rows, int d, int seed = 2)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, rows * d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Pre-activations in double: (x - b_dec) . W_enc[i] + b_enc[i], written from the definition.</summary>
    public static double[] Pre(SaeWeights w, ReadOnlySpan<float> x)
    {
        var pre = new double[w.FeatureCount];
        for (int i = 0; i < w.FeatureCount; i++)
        {
            double s = w.EncoderBias[i];
            for (int j = 0; j < w.InputDim; j++)
                s += ((double)x[j] - w.DecoderBias[j]) * w.EncoderWeights[i * w.InputDim + j];
            pre[i] = s;
        }
        return pre;
    }

    /// <summary>Code f in double for one row.</summary>
    public static double[] Encode(SaeWeights w, ReadOnlySpan<float> x)
    {
        var pre = Pre(w, x);
        var f = new double[pre.Length];
        switch (w.Activation)
        {
            case SaeActivation.ReLU:
                for (int i = 0; i < f.Length; i++) f[i] = Math.Max(0, pre[i]);
                break;
            case SaeActivation.JumpReLU:
                for (int i = 0; i < f.Length; i++) f[i] = pre[i] > w.Thresholds![i] ? pre[i] : 0;
                break;
            case SaeActivation.TopK:
                var order = Enumerable.Range(0, f.Length).OrderByDescending(i => pre[i]).Take(w.K);
                foreach (var i in order) f[i] = Math.Max(0, pre[i]);
                break;
        }
        return f;
    }

    /// <summary>Reconstruction in double from a code.</summary>
    public static double[] Decode(SaeWeights w, double[] f)
    {
        var x = new double[w.InputDim];
        for (int j = 0; j < w.InputDim; j++)
        {
            double s = w.DecoderBias[j];
            for (int i = 0; i < w.FeatureCount; i++) s += f[i] * w.DecoderWeights[i * w.InputDim + j];
            x[j] = s;
        }
        return x;
    }

    /// <summary>Smallest distance of a pre-activation from a decision boundary (threshold or k-th/k+1-th gap).</summary>
    public static double Margin(SaeWeights w, ReadOnlySpan<float> x)
    {
        var pre = Pre(w, x);
        return w.Activation switch
        {
            SaeActivation.JumpReLU => Enumerable.Range(0, pre.Length).Min(i => Math.Abs(pre[i] - w.Thresholds![i])),
            SaeActivation.TopK => pre.OrderByDescending(v => v).Skip(w.K - 1).Take(2).Aggregate((a, b) => a - b),
            _ => double.PositiveInfinity,
        };
    }
}
