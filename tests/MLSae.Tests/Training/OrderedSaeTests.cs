using MLSae.Models;
using MLSae.Runtime;
using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Tests.Training;

/// <summary>
/// The ordered SAE's all-prefix loss (computed from each token's k active features) against a brute-force double
/// sum over every prefix length, and its gradients against finite differences of that sum.
/// </summary>
public class OrderedSaeTests
{
    const int D = 6, M = 12, B = 5, K = 3;

    static (OrderedSae Module, SaeWeights W, float[] X) Setup(bool sparse, int seed = 4)
    {
        TorchSharpRuntime.EnsureLoaded();
        var module = (OrderedSae)SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.Ordered, FeatureCount = M, K = K, AuxKCoefficient = 0 }, D);
        module.SparseKernels = sparse;
        var w = ReferenceSae.RandomWeights(SaeArchitecture.Ordered, SaeActivation.TopK, D, M, seed, k: K);
        module.LoadWeights(w);
        return (module, w, ReferenceSae.Random(B * D, seed + 5));
    }

    /// <summary>mean_t (1/m) sum_{n=1..m} ||x_t - (b_dec + sum_{i &lt; n} f_i W_dec[i])||^2, literally.</summary>
    static double BruteForce(SaeWeights w, float[] x)
    {
        double total = 0;
        for (int b = 0; b < B; b++)
        {
            var f = ReferenceSae.TopK(ReferenceSae.Pre(w, x, b), K);
            for (int n = 1; n <= M; n++) total += ReferenceSae.SqErr(x, b, ReferenceSae.Decode(w, f, prefix: n)) / M;
        }
        return total / B;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AllPrefixLossEqualsTheBruteForceSum(bool sparse)
    {
        using var scope = NewDisposeScope();
        var (module, w, x) = Setup(sparse);
        double expected = BruteForce(w, x);
        var fwd = module.Forward(tensor(x).reshape(B, D), new SaeLossContext(1, 0, long.MaxValue));
        double actual = fwd.ReconstructionLoss.item<float>();
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, expected), $"ordered loss {actual}, brute force {expected}");
        // The full reconstruction is the last prefix's.
        var xh = fwd.Reconstruction.data<float>().ToArray();
        for (int b = 0; b < B; b++)
        {
            var full = ReferenceSae.Decode(w, ReferenceSae.TopK(ReferenceSae.Pre(w, x, b), K));
            for (int j = 0; j < D; j++) Assert.Equal(full[j], xh[b * D + j], 4);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GradientsMatchFiniteDifferencesOfTheBruteForceSum(bool sparse)
    {
        using var scope = NewDisposeScope();
        var (module, w, x) = Setup(sparse, seed: 8);
        module.Forward(tensor(x).reshape(B, D), new SaeLossContext(1, 0, long.MaxValue)).Loss.backward();
        var gEnc = module.W_enc.grad!.data<float>().ToArray();
        var gDec = module.W_dec.grad!.data<float>().ToArray();
        var gBDec = module.b_dec.grad!.data<float>().ToArray();
        const float h = 1e-3f;
        string Selection(SaeWeights ww) => string.Join(";", Enumerable.Range(0, B).Select(b =>
            string.Join(",", ReferenceSae.TopK(ReferenceSae.Pre(ww, x, b), K).Select((v, i) => (v, i)).Where(p => p.v > 0).Select(p => p.i))));
        string selected = Selection(w);
        // A perturbation that changes which features are active crosses a kink of the loss; such entries are skipped.
        double? Fd(Func<float[], SaeWeights> with, float[] values, int index)
        {
            var plus = (float[])values.Clone(); plus[index] += h;
            var minus = (float[])values.Clone(); minus[index] -= h;
            if (Selection(with(plus)) != selected || Selection(with(minus)) != selected) return null;
            return (BruteForce(with(plus), x) - BruteForce(with(minus), x)) / (2.0 * h);
        }
        SaeWeights Enc(float[] v) => new(w.Architecture, w.Activation, D, M, v, w.EncoderBias, w.DecoderWeights, w.DecoderBias, null, K);
        SaeWeights Dec(float[] v) => new(w.Architecture, w.Activation, D, M, w.EncoderWeights, w.EncoderBias, v, w.DecoderBias, null, K);
        SaeWeights BDec(float[] v) => new(w.Architecture, w.Activation, D, M, w.EncoderWeights, w.EncoderBias, w.DecoderWeights, v, null, K);
        int checkedNonZero = 0;
        for (int e = 0; e < M * D; e += 5)
        {
            if (Fd(Enc, w.EncoderWeights, e) is { } fdEnc)
                Assert.True(Math.Abs(fdEnc - gEnc[e]) < 2e-3, $"W_enc[{e}]: fd {fdEnc} vs autograd {gEnc[e]}");
            if (Fd(Dec, w.DecoderWeights, e) is { } fdDec)
            {
                Assert.True(Math.Abs(fdDec - gDec[e]) < 2e-3, $"W_dec[{e}]: fd {fdDec} vs autograd {gDec[e]}");
                if (Math.Abs(fdDec) > 1e-2) checkedNonZero++;
            }
        }
        for (int j = 0; j < D; j++)
        {
            if (Fd(BDec, w.DecoderBias, j) is not { } fd) continue;
            Assert.True(Math.Abs(fd - gBDec[j]) < 2e-3, $"b_dec[{j}]: fd {fd} vs autograd {gBDec[j]}");
        }
        Assert.True(checkedNonZero >= 3, "too few non-zero decoder gradients were checked");
    }

    [Fact]
    public void ALaterFeatureCostsMoreThanAnEarlierOne()
    {
        // One feature, one token: placing it at index i leaves the first i prefixes without it, so the loss grows with i.
        TorchSharpRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var losses = new List<double>();
        foreach (int position in new[] { 0, 5, 11 })
        {
            using var module = (OrderedSae)SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.Ordered, FeatureCount = M, K = 1, AuxKCoefficient = 0 }, D);
            var enc = new float[M * D];
            var dec = new float[M * D];
            enc[position * D] = 1; dec[position * D] = 1;   // feature `position` reads and writes coordinate 0
            module.LoadWeights(new SaeWeights(SaeArchitecture.Ordered, SaeActivation.TopK, D, M, enc, new float[M], dec, new float[D], null, 1));
            var x = new float[D]; x[0] = 2;
            double loss = module.Forward(tensor(x).reshape(1, D), new SaeLossContext(1, 0, long.MaxValue)).ReconstructionLoss.item<float>();
            losses.Add(loss);
            // Hand-worked: prefixes 1..position miss the feature (error 4 each), the rest reconstruct exactly.
            Assert.Equal(4.0 * position / M, loss, 5);
        }
        Assert.True(losses[0] < losses[1] && losses[1] < losses[2]);
    }
}
