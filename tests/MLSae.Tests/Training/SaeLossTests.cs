using MLSae.Models;
using MLSae.Runtime;
using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Tests.Training;

/// <summary>Each architecture's forward and loss against <see cref="ReferenceSae"/> (tolerance 1e-4 relative, float32 vs double).</summary>
public class SaeLossTests
{
    const int D = 6, M = 10, B = 5;

    static (SaeModule Module, SaeWeights W, float[] X) Setup(SaeTrainingOptions o, int seed = 1)
    {
        TorchSharpRuntime.EnsureLoaded();
        var module = SaeModuleFactory.Create(o with { FeatureCount = M }, D);
        var thresholds = o.Architecture == SaeArchitecture.JumpReLU ? ReferenceSae.Random(M, seed + 9).Select(v => 0.05f + Math.Abs(v) * 0.3f).ToArray()
            : module.InferenceActivation == SaeActivation.JumpReLU ? Enumerable.Repeat(-1f, M).ToArray() : null;
        var w = ReferenceSae.RandomWeights(o.Architecture, module.InferenceActivation, D, M, seed, thresholds, module.ExportK);
        module.LoadWeights(w);
        return (module, w, ReferenceSae.Random(B * D, seed + 5));
    }

    static SaeForward Run(SaeModule module, float[] x, double coef, long step = 1) =>
        module.Forward(tensor(x).reshape(B, D), new SaeLossContext(step, coef, long.MaxValue));

    static void Close(double expected, double actual, double rel = 1e-4) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Theory]
    [InlineData(L1Weighting.None)]
    [InlineData(L1Weighting.DecoderNorm)]
    public void StandardLossMatchesReference(L1Weighting weighting)
    {
        using var scope = NewDisposeScope();
        var (module, w, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, L1Weighting = weighting });
        double recon = 0, l1 = 0;
        for (int b = 0; b < B; b++)
        {
            var f = ReferenceSae.Pre(w, x, b).Select(v => Math.Max(0, v)).ToArray();
            recon += ReferenceSae.SqErr(x, b, ReferenceSae.Decode(w, f));
            for (int i = 0; i < M; i++)
            {
                double norm = weighting == L1Weighting.None ? 1 : Math.Sqrt(Enumerable.Range(0, D).Sum(j => (double)w.DecoderWeights[i * D + j] * w.DecoderWeights[i * D + j]));
                l1 += f[i] * norm;
            }
        }
        var fwd = Run(module, x, 0.3);
        Close(recon / B, fwd.ReconstructionLoss.item<float>());
        Close(recon / B + 0.3 * l1 / B, fwd.Loss.item<float>());
    }

    [Fact]
    public void JumpReluLossAndThresholdGradientMatchReference()
    {
        using var scope = NewDisposeScope();
        const double target = 3, coef = 0.7, eps = 0.05;
        var o = new SaeTrainingOptions { Architecture = SaeArchitecture.JumpReLU, TargetL0 = target, JumpReluBandwidth = eps, NormalizeActivations = false };
        var (module, w, x) = Setup(o);
        var th = w.Thresholds!;
        double recon = 0, l0 = 0;
        var pres = new double[B][];
        var fs = new double[B][];
        for (int b = 0; b < B; b++)
        {
            pres[b] = ReferenceSae.Pre(w, x, b);
            fs[b] = pres[b].Select((v, i) => v > th[i] ? v : 0).ToArray();
            recon += ReferenceSae.SqErr(x, b, ReferenceSae.Decode(w, fs[b]));
            l0 += fs[b].Count(v => v != 0);
        }
        recon /= B; l0 /= B;
        var fwd = Run(module, x, coef);
        Close(recon + coef * Math.Pow(l0 / target - 1, 2), fwd.Loss.item<float>());

        // Pseudo-gradient w.r.t. theta_i (then chain to log theta): recon part sum_b dL/df_bi * (-(theta/eps) K),
        // L0 part 2 coef (L0/target - 1)/target * (1/B) sum_b (-(1/eps) K); K = 1{|z - theta| < eps/2}.
        fwd.Loss.backward();
        var grad = ((JumpReluSae)module).LogThreshold.grad!.data<float>().ToArray();
        for (int i = 0; i < M; i++)
        {
            double g = 0;
            for (int b = 0; b < B; b++)
            {
                if (Math.Abs(pres[b][i] - th[i]) >= eps / 2) continue;
                var xh = ReferenceSae.Decode(w, fs[b]);
                double dLdf = 0;
                for (int j = 0; j < D; j++) dLdf += 2 * (xh[j] - x[b * D + j]) * w.DecoderWeights[i * D + j] / B;
                g += dLdf * (-th[i] / eps) + 2 * coef * (l0 / target - 1) / target / B * (-1 / eps);
            }
            Assert.True(Math.Abs(g * th[i] - grad[i]) <= 1e-3 * Math.Max(1, Math.Abs(g * th[i])),
                $"feature {i}: expected {g * th[i]}, got {grad[i]}; z-theta = {string.Join(", ", Enumerable.Range(0, B).Select(b => (pres[b][i] - th[i]).ToString("F4")))}");
        }
    }

    [Fact]
    public void TopKLossMatchesReference()
    {
        using var scope = NewDisposeScope();
        var (module, w, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, K = 3, AuxKCoefficient = 0 });
        double recon = 0;
        for (int b = 0; b < B; b++)
            recon += ReferenceSae.SqErr(x, b, ReferenceSae.Decode(w, ReferenceSae.TopK(ReferenceSae.Pre(w, x, b), 3)));
        Close(recon / B, Run(module, x, 0).Loss.item<float>());
    }

    static double[][] BatchTopK(SaeWeights w, float[] x, int k)
    {
        var pre = Enumerable.Range(0, B).Select(b => ReferenceSae.Pre(w, x, b).Select(v => Math.Max(0, v)).ToArray()).ToArray();
        var keep = Enumerable.Range(0, B * M).OrderByDescending(t => pre[t / M][t % M]).Take(k * B).ToHashSet();
        return Enumerable.Range(0, B).Select(b => Enumerable.Range(0, M).Select(i => keep.Contains(b * M + i) ? pre[b][i] : 0).ToArray()).ToArray();
    }

    [Fact]
    public void BatchTopKLossAndThresholdMatchReference()
    {
        using var scope = NewDisposeScope();
        var (module, w, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.BatchTopK, K = 2, AuxKCoefficient = 0, ThresholdStartStep = 1 });
        var f = BatchTopK(w, x, 2);
        double recon = Enumerable.Range(0, B).Sum(b => ReferenceSae.SqErr(x, b, ReferenceSae.Decode(w, f[b]))) / B;
        Close(recon, Run(module, x, 0).Loss.item<float>());
        double minKept = f.SelectMany(r => r).Where(v => v > 0).Min();
        Close(minKept, ((BatchTopKSae)module).Threshold.item<float>(), 1e-5);
    }

    [Fact]
    public void MatryoshkaLossIsWeightedSumOfPrefixReconstructions()
    {
        using var scope = NewDisposeScope();
        var o = new SaeTrainingOptions { Architecture = SaeArchitecture.Matryoshka, K = 3, AuxKCoefficient = 0, MatryoshkaPrefixFractions = [0.2, 0.5, 1.0], MatryoshkaWeights = [0.5, 0.3, 0.2] };
        var (module, w, x) = Setup(o);
        var f = BatchTopK(w, x, 3);
        int[] prefixes = [2, 5, 10];
        double[] weights = [0.5, 0.3, 0.2];
        double expected = 0;
        for (int p = 0; p < 3; p++)
            expected += weights[p] * Enumerable.Range(0, B).Sum(b => ReferenceSae.SqErr(x, b, ReferenceSae.Decode(w, f[b], prefixes[p]))) / B;
        Close(expected, Run(module, x, 0).Loss.item<float>());
    }

    [Fact]
    public void StandardGradientMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var (module, w, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard }, seed: 3);
        var fwd = Run(module, x, 0.2);
        fwd.Loss.backward();
        var gEnc = module.W_enc.grad!.data<float>().ToArray();
        var gBdec = module.b_dec.grad!.data<float>().ToArray();
        double Loss(float[] encW, float[] bDec)
        {
            var ww = new SaeWeights(w.Architecture, w.Activation, D, M, encW, w.EncoderBias, w.DecoderWeights, bDec);
            double total = 0;
            for (int b = 0; b < B; b++)
            {
                var f = ReferenceSae.Pre(ww, x, b).Select(v => Math.Max(0, v)).ToArray();
                total += ReferenceSae.SqErr(x, b, ReferenceSae.Decode(ww, f)) + 0.2 * f.Sum();
            }
            return total / B;
        }
        const float h = 1e-3f;
        foreach (int idx in new[] { 0, 7, 23, 41, 59 })
        {
            var plus = (float[])w.EncoderWeights.Clone(); plus[idx] += h;
            var minus = (float[])w.EncoderWeights.Clone(); minus[idx] -= h;
            double fd = (Loss(plus, w.DecoderBias) - Loss(minus, w.DecoderBias)) / (2.0 * h);
            Assert.True(Math.Abs(fd - gEnc[idx]) < 2e-3, $"W_enc[{idx}]: fd {fd} vs autograd {gEnc[idx]}");
        }
        for (int j = 0; j < D; j++)
        {
            var plus = (float[])w.DecoderBias.Clone(); plus[j] += h;
            var minus = (float[])w.DecoderBias.Clone(); minus[j] -= h;
            double fd = (Loss(w.EncoderWeights, plus) - Loss(w.EncoderWeights, minus)) / (2.0 * h);
            Assert.True(Math.Abs(fd - gBdec[j]) < 2e-3, $"b_dec[{j}]: fd {fd} vs autograd {gBdec[j]}");
        }
    }

    [Fact]
    public void ExportFoldsScaleSoRawCodesAndReconstructionsMatch()
    {
        using var scope = NewDisposeScope();
        var (module, _, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard });
        const double s = 2.5;
        var xn = tensor(x).reshape(B, D) * (float)s;
        var fN = module.Encode(xn).data<float>().ToArray();
        var xhN = module.Decode(module.Encode(xn)).data<float>().ToArray();
        var raw = module.ToWeights(s);
        for (int b = 0; b < B; b++)
        {
            var f = ReferenceSae.Pre(raw, x, b).Select(v => Math.Max(0, v)).ToArray();
            var xh = ReferenceSae.Decode(raw, f);
            for (int i = 0; i < M; i++) Assert.Equal(fN[b * M + i], f[i], 3);
            for (int j = 0; j < D; j++) Assert.Equal(xhN[b * D + j] / s, xh[j], 3);
        }
    }
}
