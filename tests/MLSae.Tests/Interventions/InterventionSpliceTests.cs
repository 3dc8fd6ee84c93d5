using MLSae.Interventions;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Tests.Evaluation;
using MLSae.Transformers.GptNeoX;
using static MLSae.Tests.Evaluation.Preservation.SpliceFixture;

namespace MLSae.Tests.Interventions;

/// <summary>
/// Interventions spliced into a tiny random GPT-NeoX. The independent path is the builder's own splice input
/// (<c>{hook}.splice</c>), fed with the edited residual computed in double precision in C# from the original
/// hook: x + sum_j (f'_j - f_j) W_dec[j].
/// </summary>
public class InterventionSpliceTests
{
    static readonly int[][] Sequences = [[5, 17, 40, 3, 77, 12, 9], [61, 2, 33, 8, 50]];

    [Fact]
    public void EmptyAndIdentityInterventions_ReproduceTheModelsOutputs()
    {
        var (tiny, dir) = Tiny();
        var sae = Reference.RandomWeights(tiny.D, 96, SaeActivation.ReLU, seed: 3);
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        using var original = Session(plain);
        var o = Run(original, ids, mask, 2, t);
        // Empty: the hook itself. Identity edits (scale by 1, add 0, clamp-active... none) run the whole encode/gather/MatMul path with delta 0.
        foreach (var intervention in new[] { SaeIntervention.Empty, new SaeIntervention([LatentEdit.Scale(4, 1), LatentEdit.Add(17, 0), LatentEdit.Scale(90, 1)]) })
        {
            using var edited = Session(SaeGraphSplice.Intervene(plain, Hook, sae, intervention));
            var e = Run(edited, ids, mask, 2, t);
            AssertRowsClose(o["logits"], e["logits"], mask, tiny.Vocab, 1e-5, 1e-5, $"logits with {intervention.Edits.Count} identity edits");
        }
    }

    [Theory]
    [InlineData(SaeActivation.ReLU)]
    [InlineData(SaeActivation.TopK)]
    [InlineData(SaeActivation.JumpReLU)]
    public void EveryEditKind_EqualsFeedingTheEditedResidual(SaeActivation activation)
    {
        var (tiny, dir) = Tiny();
        var sae = Reference.RandomWeights(tiny.D, 96, activation, seed: 7, k: activation == SaeActivation.TopK ? 8 : 0);
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        using var original = Session(plain);
        var hook = Run(original, ids, mask, 2, t)[Hook];
        // The latents that fire most often, so zero / clamp-active / scale change something.
        var firing = MostActive(sae, hook, 4);
        var intervention = new SaeIntervention([LatentEdit.Zero(firing[0]), LatentEdit.ClampActive(firing[1], -3), LatentEdit.Scale(firing[2], 2.5f),
            LatentEdit.Clamp(firing[3], 1.5f), LatentEdit.Add(firing.Contains(0) ? 1 : 0, 4)]);

        var fed = EditedResidual(sae, hook, intervention);
        using var edited = Session(SaeGraphSplice.Intervene(plain, Hook, sae, intervention));
        using var reference = Session(Build(dir, new GptNeoXBuildOptions { Hooks = [Hook], SpliceHook = Hook }));
        var e = Run(edited, ids, mask, 2, t);
        var r = Run(reference, ids, mask, 2, t, Floats(Hook + GptNeoXHooks.SpliceSuffix, fed, 2, t, tiny.D));
        // Float encoder in ORT vs double in C#: 1e-4 relative + 1e-4 absolute on logits of size ~1.
        AssertRowsClose(r["logits"], e["logits"], mask, tiny.Vocab, 1e-4, 1e-4, "intervened logits");
        Assert.True(MaxDiff(Run(original, ids, mask, 2, t)["logits"], e["logits"]) > 1e-2, "the intervention should move the logits");
    }

    [Fact]
    public void AddingADecoderDirection_MovesNextTokenLogitsAsTheUnsplicedGraphPredicts()
    {
        var (tiny, dir) = Tiny();
        var sae = Reference.RandomWeights(tiny.D, 64, SaeActivation.ReLU, seed: 21);
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        using var original = Session(plain);
        var o = Run(original, ids, mask, 2, t);
        const int feature = 13;
        const float alpha = 6;
        // Steering: every position's residual gains alpha * W_dec[feature]; computed here with no SAE at all.
        var steered = (float[])o[Hook].Clone();
        var direction = sae.DecoderRow(feature).ToArray();
        for (int r = 0; r < steered.Length / tiny.D; r++)
            for (int j = 0; j < tiny.D; j++) steered[r * tiny.D + j] += alpha * direction[j];

        using var edited = Session(SaeGraphSplice.Intervene(plain, Hook, sae, new SaeIntervention([LatentEdit.Add(feature, alpha)])));
        using var reference = Session(Build(dir, new GptNeoXBuildOptions { Hooks = [Hook], SpliceHook = Hook }));
        var e = Run(edited, ids, mask, 2, t);
        var r2 = Run(reference, ids, mask, 2, t, Floats(Hook + GptNeoXHooks.SpliceSuffix, steered, 2, t, tiny.D));
        AssertRowsClose(r2["logits"], e["logits"], mask, tiny.Vocab, 1e-5, 1e-5, "steered logits");
        Assert.True(MaxDiff(o["logits"], e["logits"]) > 0.05, $"steering by {alpha} should move the logits; max change {MaxDiff(o["logits"], e["logits"]):G3}");
    }

    [Fact]
    public void InterventionBranch_EqualsTheSeparateModel_AndRespectsTheMask()
    {
        var (tiny, dir) = Tiny();
        var sae = Reference.RandomWeights(tiny.D, 64, SaeActivation.ReLU, seed: 5);
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var (ids, mask, t) = Pad(Sequences);
        var intervention = new SaeIntervention([LatentEdit.Add(3, 5), LatentEdit.Zero(9)]);
        var options = new SaeSpliceOptions { ReconstructMaskInput = "m" };
        var keep = new long[2 * t];
        for (int i = 0; i < keep.Length; i++) keep[i] = i % 2;   // every other position is edited
        using var single = Session(SaeGraphSplice.Intervene(plain, Hook, sae, intervention, options));
        using var branched = Session(SaeGraphSplice.Branches(plain, Hook, sae, [new SpliceBranch(".edit", HookReplacement.Intervention, intervention)], options));
        var s = Run(single, ids, mask, 2, t, Longs("m", keep, 2, t));
        var b = Run(branched, ids, mask, 2, t, Longs("m", keep, 2, t));
        AssertRowsClose(s["logits"], b["logits.edit"], mask, tiny.Vocab, 1e-5, 1e-5, "branch vs single model");
        AssertRowsClose(s[Hook], b[Hook], mask, tiny.D, 0, 0, "original hook");
        var expected = EditedResidual(sae, b[Hook], intervention);
        for (int i = 0; i < keep.Length; i++)
            if (keep[i] == 0) Array.Copy(b[Hook], i * tiny.D, expected, i * tiny.D, tiny.D);
        AssertRowsClose(expected, b[Hook + ".edit"], mask, tiny.D, 1e-4, 1e-4, "edited hook where the mask is 1, unedited where 0");
    }

    [Fact]
    public void BadInterventions_AreRefusedWithReasons()
    {
        var (tiny, dir) = Tiny();
        var plain = Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] });
        var sae = Reference.RandomWeights(tiny.D, 64, SaeActivation.ReLU, seed: 5);
        Assert.Contains("m = 64", Assert.Throws<ArgumentOutOfRangeException>(() => SaeGraphSplice.Intervene(plain, Hook, sae, SaeIntervention.Ablate([64]))).Message);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => new SaeIntervention([LatentEdit.Zero(2), LatentEdit.Scale(2, 3)])).Message);
        Assert.Contains("HookReplacement.Intervention", Assert.Throws<ArgumentNullException>(() => SaeGraphSplice.Branches(plain, Hook, sae, [new SpliceBranch(".x", HookReplacement.Intervention)])).Message);
        Assert.Contains("use HookReplacement.Intervention", Assert.Throws<ArgumentException>(() => SaeGraphSplice.Branches(plain, Hook, sae, [new SpliceBranch(".x", HookReplacement.Zeros, SaeIntervention.Empty)])).Message);
    }

    /// <summary>x + sum over edits of (f'_j - f_j) W_dec[j] per row, in double, from the reference forward's codes.</summary>
    internal static float[] EditedResidual(SaeWeights sae, float[] hook, SaeIntervention intervention)
    {
        int d = sae.InputDim;
        var result = new float[hook.Length];
        for (int r = 0; r < hook.Length / d; r++)
        {
            var (f, _) = Reference.Forward(sae, hook.AsSpan(r * d, d));
            var row = Evaluation.Interventions.EditedResidualFor(sae, hook.AsSpan(r * d, d), f, intervention);
            for (int j = 0; j < d; j++) result[r * d + j] = (float)row[j];
        }
        return result;
    }

    static int[] MostActive(SaeWeights sae, float[] hook, int count)
    {
        int d = sae.InputDim;
        var fires = new int[sae.FeatureCount];
        for (int r = 0; r < hook.Length / d; r++)
        {
            var (f, _) = Reference.Forward(sae, hook.AsSpan(r * d, d));
            for (int j = 0; j < f.Length; j++) if (f[j] > 0) fires[j]++;
        }
        return [.. Enumerable.Range(0, fires.Length).OrderByDescending(j => fires[j]).ThenBy(j => j).Take(count)];
    }

    static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
