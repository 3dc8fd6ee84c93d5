using MLSae.Ordering;
using MLSae.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Tests.Ordering;

public class FeaturePermuterTests
{
    static (TestSae Module, Adam Opt) TrainedTwoSteps()
    {
        var module = new TestSae(d: 3, m: 5, seed: 3);
        var opt = optim.Adam(module.parameters(), lr: 0.01);
        var x = tensor(new float[] { 1, 2, 3, -1, 0.5f, 2, 0, 1, -2, 3, 1, 1 }).reshape(4, 3);
        for (int s = 0; s < 2; s++)
        {
            using var scope = NewDisposeScope();
            var f = module.forward(x);
            var loss = (module.Decode(f) - x).square().sum() + f.abs().sum();
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
        return (module, opt);
    }

    static float[] A(Tensor t) => TestTraining.ToArray(t);

    [Theory]
    [InlineData(ReorderStateMode.Exact)]
    [InlineData(ReorderStateMode.Naive)]
    public void PermutesParametersAndAdamMomentsInPlace(ReorderStateMode mode)
    {
        TorchSharpRuntime.EnsureLoaded();
        var (module, opt) = TrainedTwoSteps();
        int[] order = [2, 0, 4, 1, 3];
        var states = opt.state_dict().State.Cast<Adam.State>().ToList();
        var ps = opt.parameters().ToList();
        int iEnc = ps.FindIndex(p => p.Handle == module.W_enc.Handle);
        int iBias = ps.FindIndex(p => p.Handle == module.b_enc.Handle);
        int iDec = ps.FindIndex(p => p.Handle == module.W_dec.Handle);
        int iBdec = ps.FindIndex(p => p.Handle == module.b_dec.Handle);
        var before = new
        {
            WEnc = A(module.W_enc), BEnc = A(module.b_enc), WDec = A(module.W_dec), BDec = A(module.b_dec),
            EncAvg = A(states[iEnc].exp_avg), EncSq = A(states[iEnc].exp_avg_sq),
            BiasAvg = A(states[iBias].exp_avg), DecSq = A(states[iDec].exp_avg_sq), BdecAvg = A(states[iBdec].exp_avg),
        };
        var encHandle = module.W_enc.Handle;
        var avgHandle = states[iEnc].exp_avg.Handle;
        // Non-zero moments, or the check below proves nothing.
        Assert.Contains(before.EncAvg, v => v != 0f);

        using var permuter = new FeaturePermuter();
        permuter.Permute(module, opt, order, mode);

        static void Rows(float[] old, float[] now, int[] order, int width)
        {
            for (int j = 0; j < order.Length; j++)
                for (int k = 0; k < width; k++)
                    Assert.Equal(old[order[j] * width + k], now[j * width + k]);
        }
        Rows(before.WEnc, A(module.W_enc), order, 3);
        Rows(before.BEnc, A(module.b_enc), order, 1);
        Rows(before.WDec, A(module.W_dec), order, 3);
        Assert.Equal(before.BDec, A(module.b_dec));
        Assert.Equal(before.BdecAvg, A(states[iBdec].exp_avg));   // not feature-indexed: untouched
        var statesAfter = opt.state_dict().State.Cast<Adam.State>().ToList();
        if (mode == ReorderStateMode.Exact)
        {
            Rows(before.EncAvg, A(statesAfter[iEnc].exp_avg), order, 3);
            Rows(before.EncSq, A(statesAfter[iEnc].exp_avg_sq), order, 3);
            Rows(before.BiasAvg, A(statesAfter[iBias].exp_avg), order, 1);
            Rows(before.DecSq, A(statesAfter[iDec].exp_avg_sq), order, 3);
        }
        else
        {
            Assert.Equal(before.EncAvg, A(statesAfter[iEnc].exp_avg));
            Assert.Equal(before.DecSq, A(statesAfter[iDec].exp_avg_sq));
        }
        // In place: same tensors, so the optimizer stays bound to the module.
        Assert.Equal(encHandle, module.W_enc.Handle);
        Assert.Equal(avgHandle, statesAfter[iEnc].exp_avg.Handle);
        opt.Dispose();
        module.Dispose();
    }

    [Fact]
    public void RejectsNonPermutationAndWrongLength()
    {
        TorchSharpRuntime.EnsureLoaded();
        var (module, opt) = TrainedTwoSteps();
        using var permuter = new FeaturePermuter();
        Assert.Throws<ArgumentException>(() => permuter.Permute(module, opt, [0, 1, 2, 3], ReorderStateMode.Exact));
        Assert.Throws<ArgumentException>(() => permuter.Permute(module, opt, [0, 1, 1, 3, 4], ReorderStateMode.Exact));
    }
}
