using MLSae.Models;
using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Tests.Training;

public class SaeInitializationTests
{
    const int D = 16, M = 128;

    public static TheoryData<SaeArchitecture, L1Weighting, WeightInit, double, double> Cases => new()
    {
        // architecture, weighting, init, expected decoder row norm, expected encoder row norm (hand-written, not read from SaeInitialization)
        { SaeArchitecture.Standard, L1Weighting.None, WeightInit.Reference, 1.0, 0.1 },
        { SaeArchitecture.Standard, L1Weighting.DecoderNorm, WeightInit.Reference, 0.1, 0.1 },
        { SaeArchitecture.JumpReLU, L1Weighting.None, WeightInit.Reference, 1.0, 1.0 },
        { SaeArchitecture.TopK, L1Weighting.None, WeightInit.Reference, 1.0, 1.0 },
        { SaeArchitecture.BatchTopK, L1Weighting.None, WeightInit.Reference, 1.0, 1.0 },
        { SaeArchitecture.Matryoshka, L1Weighting.None, WeightInit.Reference, 1.0, 1.0 },
        { SaeArchitecture.Standard, L1Weighting.None, WeightInit.TiedUnitNorm, 1.0, 1.0 },
        { SaeArchitecture.Standard, L1Weighting.DecoderNorm, WeightInit.TiedUnitNorm, 1.0, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RowNormsFollowTheArchitectureAndEncoderRowsPointAlongDecoderRows(SaeArchitecture arch, L1Weighting weighting, WeightInit init, double decNorm, double encNorm)
    {
        var o = new SaeTrainingOptions { Architecture = arch, L1Weighting = weighting, WeightInit = init, FeatureCount = M, K = 4 };
        using var module = SaeModuleFactory.Create(o, D, new Generator(3));
        var dec = module.W_dec.detach().data<float>().ToArray();
        var enc = module.W_enc.detach().data<float>().ToArray();
        for (int i = 0; i < M; i++)
        {
            double dn = 0, en = 0, dot = 0;
            for (int j = 0; j < D; j++)
            {
                double a = dec[i * D + j], b = enc[i * D + j];
                dn += a * a; en += b * b; dot += a * b;
            }
            dn = Math.Sqrt(dn); en = Math.Sqrt(en);
            Assert.True(Math.Abs(dn - decNorm) < 1e-5 * decNorm, $"{arch}/{weighting}/{init}: decoder row {i} norm {dn}, expected {decNorm}");
            Assert.True(Math.Abs(en - encNorm) < 1e-5 * encNorm, $"{arch}/{weighting}/{init}: encoder row {i} norm {en}, expected {encNorm}");
            Assert.True(Math.Abs(dot / (dn * en) - 1) < 1e-5, $"encoder row {i} is not parallel to decoder row {i} (cosine {dot / (dn * en)})");
        }
    }

    [Fact]
    public void DirectionsDoNotDependOnTheInitScheme()
    {
        // Same seed, both schemes: the rows differ only by their norms (the scheme consumes no random numbers).
        var o = new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, FeatureCount = M };
        using var a = SaeModuleFactory.Create(o, D, new Generator(9));
        using var b = SaeModuleFactory.Create(o with { WeightInit = WeightInit.TiedUnitNorm }, D, new Generator(9));
        var ea = a.W_enc.detach().data<float>().ToArray();
        var eb = b.W_enc.detach().data<float>().ToArray();
        for (int i = 0; i < ea.Length; i++) Assert.Equal(eb[i] * 0.1, ea[i], 1e-6);
    }

    [Fact]
    public void StandardSaeAtEightTimesWidthStartsNearTheInputNotFourTimesIt()
    {
        // Isotropic x, zero biases: about half the codes fire, so x_hat ~ c (m / 2d) x with c the encoder norm.
        // Tied unit norm: ~4x (explained variance ~ -8); reference init: ~0.4x (explained variance ~ 0.6).
        const int d = 32, m = 8 * d, n = 2048;
        var x = randn(n, d, generator: new Generator(1));
        foreach (var (init, expectedRatio) in new[] { (WeightInit.Reference, 0.4), (WeightInit.TiedUnitNorm, 4.0) })
        {
            using var module = SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, FeatureCount = m, WeightInit = init }, d, new Generator(2));
            using var _ = no_grad();
            var xHat = module.Decode(module.Encode(x));
            double ratio = ((xHat * x).sum() / (x * x).sum()).item<float>();
            Assert.True(Math.Abs(ratio - expectedRatio) < 0.15 * expectedRatio, $"{init}: x_hat ~ {ratio:F3} x, expected about {expectedRatio} x");
        }
    }
}
