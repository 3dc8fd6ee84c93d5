using MLSae.Activations;
using MLSae.Evaluation;
using MLSae.Evaluation.Preservation;
using MLSae.Models;
using MLSae.Transformers.GptNeoX;
using static MLSae.Tests.Evaluation.Preservation.SpliceFixture;

namespace MLSae.Tests.Evaluation.Preservation;

/// <summary>
/// KL / CE of the downstream evaluator on a tiny random GPT-NeoX against an independent computation:
/// contexts packed by the rule in docs (BOS, documents each ended by EOS, filled to the context length,
/// the last one padded), each context run alone through the GPT-NeoX graph's own splice input fed
/// with the hook's values (special tokens) or their reconstruction in double precision (text tokens)
/// or zeros, and softmax / KL / CE in double-precision loops.
/// </summary>
public class DownstreamPreservationTests
{
    const int Context = 12;
    static readonly TextDocument[] Texts =
    [
        new(0, "the cat sat on the mat", "a"),
        new(1, "the hat is on the cat", "b"),
        new(2, "a dog", "c"),
    ];

    static DownstreamPreservationOptions Options(bool reconstructSpecial = false, long maxTokens = 0) => new()
    {
        ContextLength = Context, BatchSize = 2, MaxTokens = maxTokens, ReconstructSpecialTokens = reconstructSpecial, Execution = Cpu,
    };

    [Fact]
    public void KlAndCe_MatchPlainLoopsOverIndependentlyPackedContexts()
    {
        var (tiny, dir) = Tiny(seed: 41);
        var sae = Reference.RandomWeights(tiny.D, 96, SaeActivation.ReLU, seed: 13);
        var model = DownstreamModels.Resolve("pythia:" + dir);
        DownstreamPreservationResult result;
        using (var evaluator = new DownstreamPreservationEvaluator(model, Hook, sae, Options()))
        {
            Assert.Equal(DownstreamModelKind.CausalLm, evaluator.Kind);
            Assert.Equal(tiny.Vocab, evaluator.OutputWidth);
            result = evaluator.Evaluate(Texts);
        }

        using var plain = Session(Build(dir, new GptNeoXBuildOptions { Hooks = [Hook] }));
        using var spliceable = Session(Build(dir, new GptNeoXBuildOptions { Hooks = [Hook], SpliceHook = Hook }));
        double klSae = 0, klAbl = 0, ceOrig = 0, ceSae = 0, ceAbl = 0;
        long n = 0, nCe = 0;
        foreach (var (ids, text) in Pack(model.Tokenizer, Texts))
        {
            int t = ids.Length, d = tiny.D, v = tiny.Vocab;
            var ones = Enumerable.Repeat(1L, t).ToArray();
            var o = Run(plain, ids, ones, 1, t);
            var fed = Reconstruct(sae, o[Hook]);
            for (int p = 0; p < t; p++) if (!text[p]) Array.Copy(o[Hook], p * d, fed, p * d, d);
            var s = Run(spliceable, ids, ones, 1, t, Floats(Hook + GptNeoXHooks.SpliceSuffix, fed, 1, t, d))["logits"];
            var a = Run(spliceable, ids, ones, 1, t, Floats(Hook + GptNeoXHooks.SpliceSuffix, new float[t * d], 1, t, d))["logits"];
            for (int p = 0; p < t; p++)
            {
                if (!text[p]) continue;
                var lo = LogSoftmax(o["logits"], p, v);
                var ls = LogSoftmax(s, p, v);
                var la = LogSoftmax(a, p, v);
                klSae += Kl(lo, ls);
                klAbl += Kl(lo, la);
                n++;
                if (p + 1 >= t) continue;
                int target = (int)ids[p + 1];
                ceOrig -= lo[target]; ceSae -= ls[target]; ceAbl -= la[target];
                nCe++;
            }
        }

        var m = result.LanguageModel!;
        Assert.Null(result.Embedding);
        Assert.Equal(n, result.Tokens);
        Assert.Equal(n, m.Tokens);
        // Float SAE inside ORT vs double SAE in C#: 1e-4 relative + 1e-6 absolute.
        static void Close(double expected, double actual, string what) =>
            Assert.True(Math.Abs(actual - expected) <= 1e-6 + 1e-4 * Math.Abs(expected), $"{what}: {actual:G9} vs expected {expected:G9}");
        Close(klSae / n, m.KlDivWithSae, "kl_div_with_sae");
        Close(klAbl / n, m.KlDivWithAblation, "kl_div_with_ablation");
        Close(ceOrig / nCe, m.CeLossWithoutSae, "ce_loss_without_sae");
        Close(ceSae / nCe, m.CeLossWithSae, "ce_loss_with_sae");
        Close(ceAbl / nCe, m.CeLossWithAblation, "ce_loss_with_ablation");
        Close((klAbl - klSae) / klAbl, m.KlDivScore, "kl_div_score");
        Close((ceAbl - ceSae) / (ceAbl - ceOrig), m.CeLossScore, "ce_loss_score");
        Assert.True(m.KlDivWithSae > 1e-4, "a random SAE changes the output");
    }

    [Fact]
    public void PerfectReconstructionScoresOne_ZeroReconstructionScoresZero_AndMaxTokensCuts()
    {
        var (tiny, dir) = Tiny(seed: 42);
        var model = DownstreamModels.Resolve("pythia:" + dir);
        using (var identity = new DownstreamPreservationEvaluator(model, Hook, IdentitySae(tiny.D), Options()))
        {
            var m = identity.Evaluate(Texts).LanguageModel!;
            Assert.True(m.KlDivWithSae < 1e-9, $"KL with an exact SAE {m.KlDivWithSae}");
            Assert.True(m.KlDivWithAblation > 1e-3, $"KL with ablation {m.KlDivWithAblation}");
            Assert.Equal(1, m.KlDivScore, 6);
            Assert.Equal(1, m.CeLossScore, 4);
        }
        // A zero reconstruction at every position (special tokens included) is the ablation itself.
        using (var zero = new DownstreamPreservationEvaluator(model, Hook, ZeroSae(tiny.D, 16), Options(reconstructSpecial: true)))
        {
            var m = zero.Evaluate(Texts).LanguageModel!;
            Assert.Equal(0, m.KlDivScore, 9);
            Assert.Equal(0, m.CeLossScore, 9);
        }
        using (var limited = new DownstreamPreservationEvaluator(model, Hook, IdentitySae(tiny.D), Options(maxTokens: 5)))
            Assert.Equal(5, limited.Evaluate(Texts).Tokens);
    }

    [Fact]
    public void LogitComparison_MatchesPlainLoopsAndPreservationScores()
    {
        const int v = 37;
        var rng = new Random(3);
        for (int trial = 0; trial < 20; trial++)
        {
            float[] Row(double scale) => Enumerable.Range(0, v).Select(_ => (float)(scale * (rng.NextDouble() * 2 - 1))).ToArray();
            var a = Row(8); var b = Row(8); var c = Row(30);
            int target = trial % 5 == 0 ? -1 : rng.Next(v);
            var r = LogitComparison.Compare(a, b, c, target);
            double[] la = LogSoftmax(a, 0, v), lb = LogSoftmax(b, 0, v), lc = LogSoftmax(c, 0, v);
            Assert.Equal(Kl(la, lb), r.KlSae, 10);
            Assert.Equal(Kl(la, lc), r.KlAblation, 10);
            Assert.Equal(PreservationScores.KlDivergence(a, b), r.KlSae, 10);
            if (target < 0) { Assert.True(double.IsNaN(r.CeOriginal)); continue; }
            Assert.Equal(-la[target], r.CeOriginal, 10);
            Assert.Equal(-lb[target], r.CeSae, 10);
            Assert.Equal(-lc[target], r.CeAblation, 10);
        }
        var same = new float[] { 1, 2, 3, 1000 };
        Assert.Equal(0, LogitComparison.Compare(same, same, same, 3).KlSae);
    }

    [Fact]
    public void ModelsWithoutLogits_AreRefusedSayingWhy()
    {
        var (tiny, dir) = Tiny(seed: 43);
        var extractionModel = ModelSources.Resolve("pythia:" + dir);   // built without logits
        var e = Assert.Throws<ArgumentException>(() => new DownstreamPreservationEvaluator(extractionModel, Hook, IdentitySae(tiny.D), Options()));
        Assert.Contains("logits", e.Message);
        var model = DownstreamModels.Resolve("pythia:" + dir);
        var wrong = Assert.Throws<InvalidDataException>(() => new DownstreamPreservationEvaluator(model, Hook, IdentitySae(32), Options()));
        Assert.Contains("d=32", wrong.Message);
    }

    /// <summary>Causal packing as documented: [BOS, doc tokens, EOS, next doc ...] cut every <see cref="Context"/> tokens; the last context ends at its last token (no padding needed when run alone).</summary>
    static List<(long[] Ids, bool[] Text)> Pack(ModelTokenizer tokenizer, IEnumerable<TextDocument> docs)
    {
        int bos = tokenizer.SpecialTokens.Bos!.Value, eos = tokenizer.SpecialTokens.Eos!.Value;
        var stream = new List<(int Id, bool Text)>();
        foreach (var doc in docs)
        {
            var ids = tokenizer.Encode(doc.Text);
            stream.AddRange(ids.Select(i => (i, true)));
            stream.Add((eos, false));
        }
        var contexts = new List<(long[], bool[])>();
        for (int start = 0; start < stream.Count; start += Context - 1)
        {
            var part = stream.Skip(start).Take(Context - 1).ToList();
            if (!part.Any(x => x.Text)) break;
            contexts.Add(([bos, .. part.Select(x => (long)x.Id)], [false, .. part.Select(x => x.Text)]));
        }
        return contexts;
    }

    internal static double[] LogSoftmax(float[] logits, int row, int v)
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < v; i++) max = Math.Max(max, logits[row * v + i]);
        double sum = 0;
        for (int i = 0; i < v; i++) sum += Math.Exp(logits[row * v + i] - max);
        double lse = max + Math.Log(sum);
        return Enumerable.Range(0, v).Select(i => logits[row * v + i] - lse).ToArray();
    }

    internal static double Kl(double[] logP, double[] logQ)
    {
        double kl = 0;
        for (int i = 0; i < logP.Length; i++) kl += Math.Exp(logP[i]) * (logP[i] - logQ[i]);
        return kl;
    }
}
