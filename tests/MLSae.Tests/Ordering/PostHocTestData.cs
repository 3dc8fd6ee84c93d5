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

    /// <summary>Reference encode in double precision with plain loops (<see cref="Evaluation.Reference.Forward"/>).</summary>
    public static double[] Encode(SaeWeights w, float[] x, int row) =>
        Evaluation.Reference.Forward(w, x.AsSpan(row * w.InputDim, w.InputDim)).F;

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
