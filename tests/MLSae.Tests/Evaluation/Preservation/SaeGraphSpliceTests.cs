using MLSae.Models;
using MLSae.Onnx;
using MLSae.Transformers.GptNeoX;
using static MLSae.Tests.Evaluation.Preservation.SpliceFixture;

namespace MLSae.Tests.Evaluation.Preservation;

/// <summary>
/// The graph splice on a tiny random GPT-NeoX. The independent path is the GPT-NeoX builder's own
/// splice input (<c>{hook}.splice</c>, tested against a plain-loop reference forward elsewhere), fed
/// with zeros or with the SAE reconstruction computed in double precision in C#.
/// </summary>
public class SaeGraphSpliceTests
{
    static readonly int[][] Sequences = [[5, 17, 40, 3, 77, 12, 9], [61, 2, 33, 8, 50]];

    [Fact]
    public void IdentitySae_SplicedOutputsEqualTheOriginal()
    {
        var (tiny, dir) = Tiny();
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        using var original = Session(plain);
        using var spliced = Session(SaeGraphSplice.SpliceSae(plain, Hook, IdentitySae(tiny.D)));
        var o = Run(original, ids, mask, 2, t);
        var s = Run(spliced, ids, mask, 2, t);
        // 1e-5 relative + 1e-5 absolute; relu(x) - relu(-x) is exact in float, so the runs agree to rounding.
        AssertRowsClose(o["logits"], s["logits"], mask, tiny.Vocab, 1e-5, 1e-5, "logits");
        AssertRowsClose(o[Hook], s[Hook], mask, tiny.D, 0, 0, "hook output (still the computed value)");
    }

    [Theory]
    [InlineData(SaeActivation.ReLU)]
    [InlineData(SaeActivation.JumpReLU)]
    [InlineData(SaeActivation.TopK)]
    public void SaeSplice_EqualsFeedingTheReferenceReconstruction(SaeActivation activation)
    {
        var (tiny, dir) = Tiny();
        var sae = Reference.RandomWeights(tiny.D, 96, activation, seed: 7, k: activation == SaeActivation.TopK ? 8 : 0);
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        using var original = Session(plain);
        var hook = Run(original, ids, mask, 2, t)[Hook];

        using var spliced = Session(SaeGraphSplice.SpliceSae(plain, Hook, sae));
        using var reference = Session(Build(dir, new GptNeoXBuildOptions { Hooks = [Hook], SpliceHook = Hook }));
        var s = Run(spliced, ids, mask, 2, t);
        var r = Run(reference, ids, mask, 2, t, Floats(Hook + GptNeoXHooks.SpliceSuffix, Reconstruct(sae, hook), 2, t, tiny.D));
        // Float SAE in ORT vs double SAE in C#: 1e-4 relative + 1e-4 absolute on logits of size ~1.
        AssertRowsClose(r["logits"], s["logits"], mask, tiny.Vocab, 1e-4, 1e-4, "spliced logits");
    }

    [Fact]
    public void ZeroAblation_EqualsFeedingZerosAtTheHook()
    {
        var (tiny, dir) = Tiny();
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        using var ablated = Session(SaeGraphSplice.ZeroAblate(plain, Hook));
        using var reference = Session(Build(dir, new GptNeoXBuildOptions { Hooks = [Hook], SpliceHook = Hook }));
        var a = Run(ablated, ids, mask, 2, t);
        var r = Run(reference, ids, mask, 2, t, Floats(Hook + GptNeoXHooks.SpliceSuffix, new float[2 * t * tiny.D], 2, t, tiny.D));
        AssertRowsClose(r["logits"], a["logits"], mask, tiny.Vocab, 1e-5, 1e-5, "ablated logits");
    }

    [Fact]
    public void ReconstructMask_KeepsTheHooksOwnValueWhereZero()
    {
        var (tiny, dir) = Tiny();
        var sae = Reference.RandomWeights(tiny.D, 64, SaeActivation.ReLU, seed: 9);
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        using var original = Session(plain);
        var hook = Run(original, ids, mask, 2, t)[Hook];
        var keep = new long[2 * t];
        for (int i = 0; i < keep.Length; i++) keep[i] = i % 3 == 0 ? 0 : 1;   // every third position keeps its activation
        var fed = Reconstruct(sae, hook);
        for (int i = 0; i < keep.Length; i++)
            if (keep[i] == 0) Array.Copy(hook, i * tiny.D, fed, i * tiny.D, tiny.D);

        using var spliced = Session(SaeGraphSplice.SpliceSae(plain, Hook, sae, new SaeSpliceOptions { ReconstructMaskInput = "sae_mask" }));
        using var reference = Session(Build(dir, new GptNeoXBuildOptions { Hooks = [Hook], SpliceHook = Hook }));
        var s = Run(spliced, ids, mask, 2, t, Longs("sae_mask", keep, 2, t));
        var r = Run(reference, ids, mask, 2, t, Floats(Hook + GptNeoXHooks.SpliceSuffix, fed, 2, t, tiny.D));
        AssertRowsClose(r["logits"], s["logits"], mask, tiny.Vocab, 1e-4, 1e-4, "masked splice logits");
    }

    [Fact]
    public void Branches_EqualTheSeparateModels_AndExposeTheReplacedHook()
    {
        var (tiny, dir) = Tiny();
        var sae = Reference.RandomWeights(tiny.D, 64, SaeActivation.ReLU, seed: 11);
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        using var original = Session(plain);
        using var withSae = Session(SaeGraphSplice.SpliceSae(plain, Hook, sae));
        using var ablated = Session(SaeGraphSplice.ZeroAblate(plain, Hook));
        var branched = SaeGraphSplice.Branches(plain, Hook, sae, [new SpliceBranch(".sae", HookReplacement.SaeReconstruction), new SpliceBranch(".abl", HookReplacement.Zeros)]);
        using var all = Session(branched);
        Assert.Equal(new[] { Hook, "logits", Hook + ".sae", "logits.sae", Hook + ".abl", "logits.abl" }.Order(), all.OutputMetadata.Keys.Order());

        var o = Run(original, ids, mask, 2, t);
        var b = Run(all, ids, mask, 2, t);
        AssertRowsClose(o["logits"], b["logits"], mask, tiny.Vocab, 1e-6, 1e-6, "original branch");
        AssertRowsClose(Run(withSae, ids, mask, 2, t)["logits"], b["logits.sae"], mask, tiny.Vocab, 1e-5, 1e-5, "sae branch");
        AssertRowsClose(Run(ablated, ids, mask, 2, t)["logits"], b["logits.abl"], mask, tiny.Vocab, 1e-5, 1e-5, "ablation branch");
        AssertRowsClose(Reconstruct(sae, o[Hook]), b[Hook + ".sae"], mask, tiny.D, 1e-4, 1e-4, "exposed reconstruction");
        Assert.All(b[Hook + ".abl"], v => Assert.Equal(0f, v));
        // The shared part (everything up to the hook) is not copied.
        Assert.True(branched.Graph.Node.Count < 3 * plain.Graph.Node.Count, $"{branched.Graph.Node.Count} nodes vs {plain.Graph.Node.Count}");
    }

    [Fact]
    public void BadInputs_AreRefusedWithReasons()
    {
        var (tiny, dir) = Tiny();
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var sae = IdentitySae(tiny.D);
        Assert.Contains("neither produced", Assert.Throws<ArgumentException>(() => SaeGraphSplice.SpliceSae(plain, "no.such.tensor", sae)).Message);
        Assert.Contains("weight", Assert.Throws<ArgumentException>(() => SaeGraphSplice.ZeroAblate(plain, "embed_out.weight.T")).Message);
        Assert.Contains("prefix", Assert.Throws<ArgumentException>(() => SaeGraphSplice.SpliceSae(plain, Hook, sae, new SaeSpliceOptions { Prefix = "gpt_neox" })).Message);
        Assert.Contains("distinct", Assert.Throws<ArgumentException>(() => SaeGraphSplice.Branches(plain, Hook, sae, [new(".a", HookReplacement.Zeros), new(".a", HookReplacement.Zeros)])).Message);
        var old = plain.Clone();
        old.OpsetImport[0].Version = 9;
        Assert.Contains("opset", Assert.Throws<NotSupportedException>(() => SaeGraphSplice.ZeroAblate(old, Hook)).Message);

        // An SAE of the wrong width fails when the model runs (MatMul), not silently.
        var (ids, mask, t) = Pad(Sequences);
        using var wrong = Session(SaeGraphSplice.SpliceSae(plain, Hook, IdentitySae(32)));
        Assert.ThrowsAny<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(() => Run(wrong, ids, mask, 2, t));
    }
}
