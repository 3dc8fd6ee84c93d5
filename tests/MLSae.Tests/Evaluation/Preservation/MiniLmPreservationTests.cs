using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLSae.Activations;
using MLSae.Evaluation.Preservation;
using MLSae.Models;
using MLSae.Onnx;
using static MLSae.Tests.Evaluation.Preservation.SpliceFixture;

namespace MLSae.Tests.Evaluation.Preservation;

/// <summary>
/// The encoder measure on all-MiniLM-L6-v2 (an ONNX model MLSae did not build) at layer 3. The
/// evaluator (one branched session, batched and padded) is checked against single-splice models
/// (<see cref="SaeGraphSplice.SpliceSae"/>, <see cref="SaeGraphSplice.ZeroAblate"/>) run one sentence
/// at a time without padding, with mean pooling and cosine in double-precision loops.
/// </summary>
public class MiniLmPreservationTests
{
    const string Hook = "blocks.3.hook_resid_post";
    static readonly string[] Sentences =
    [
        "The whale surfaced beside the ship.",
        "Sparse autoencoders find features in activations.",
        "It rained all day in the harbour town, and nobody went out.",
        "Call me Ishmael.",
    ];

    [Fact]
    [Trait("Category", "Integration")]
    public void EmbeddingDistances_MatchSingleSpliceModels_AndAnExactSaeScoresOne()
    {
        var model = ModelSources.Resolve(MiniLmResources.Name);
        var sae = NoisyIdentitySae(MiniLmResources.HiddenSize, 0.02, seed: 17);
        var options = new DownstreamPreservationOptions { ContextLength = 32, Execution = Cpu };
        var docs = Sentences.Select((s, i) => new TextDocument(i, s, $"s{i}")).ToArray();
        DownstreamPreservationResult result;
        using (var evaluator = new DownstreamPreservationEvaluator(model, Hook, sae, options))
        {
            Assert.Equal(DownstreamModelKind.Encoder, evaluator.Kind);
            Assert.Equal("last_hidden_state", evaluator.OutputName);
            result = evaluator.Evaluate(docs);
        }

        string tensor = new HookResolver(model).Resolve(Hook).TensorName;
        using var plain = OnnxSessionFactory.Create(model.OnnxBytes, Cpu);
        using var spliced = OnnxSessionFactory.Create(SaeGraphSplice.SpliceSae(model.Graph, tensor, sae, new SaeSpliceOptions { ReconstructMaskInput = "m" }).ToByteArray(), Cpu);
        using var ablated = OnnxSessionFactory.Create(SaeGraphSplice.ZeroAblate(model.Graph, tensor).ToByteArray(), Cpu);
        var sp = model.SpecialTokens;
        double dSae = 0, dAbl = 0;
        long tokens = 0;
        foreach (var s in Sentences)
        {
            var text = model.Tokenizer.Encode(s);
            long[] ids = [sp.Cls!.Value, .. text.Select(i => (long)i), sp.Sep!.Value];
            long[] keep = [0, .. text.Select(_ => 1L), 0];   // CLS and SEP keep their activations
            var o = Pool(plain, ids);
            dSae += 1 - Cos(o, Pool(spliced, ids, keep));
            dAbl += 1 - Cos(o, Pool(ablated, ids));
            tokens += text.Length;
        }
        var m = result.Embedding!;
        Assert.Null(result.LanguageModel);
        Assert.Equal(Sentences.Length, m.Contexts);
        Assert.Equal(tokens, result.Tokens);
        // Batched + padded in one branched session vs one unpadded sentence per run: 1e-5 on distances in [0, 2].
        Assert.Equal(dSae / Sentences.Length, m.CosineDistanceWithSae, 5);
        Assert.Equal(dAbl / Sentences.Length, m.CosineDistanceWithAblation, 5);
        Assert.Equal((dAbl - dSae) / dAbl, m.CosineScore, 4);
        Assert.True(m.CosineDistanceWithAblation > m.CosineDistanceWithSae && m.CosineDistanceWithSae > 1e-4,
            $"distances: SAE {m.CosineDistanceWithSae}, ablation {m.CosineDistanceWithAblation}");

        using var exact = new DownstreamPreservationEvaluator(model, Hook, IdentitySae(MiniLmResources.HiddenSize), options);
        var e = exact.Evaluate(docs).Embedding!;
        Assert.True(e.CosineDistanceWithSae < 1e-6, $"exact SAE distance {e.CosineDistanceWithSae}");
        Assert.Equal(1, e.CosineScore, 5);
    }

    /// <summary>Sum of last_hidden_state over every position (mean pooling without the 1/n, which cosine ignores).</summary>
    static double[] Pool(InferenceSession session, long[] ids, long[]? keep = null)
    {
        int t = ids.Length;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, [1, t])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, t).ToArray(), [1, t])),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[t], [1, t])),
        };
        if (keep is not null) inputs.Add(NamedOnnxValue.CreateFromTensor("m", new DenseTensor<long>(keep, [1, t])));
        using var results = session.Run(inputs, ["last_hidden_state"]);
        var h = results[0].AsTensor<float>().ToArray();
        int d = h.Length / t;
        var pooled = new double[d];
        for (int p = 0; p < t; p++)
            for (int j = 0; j < d; j++) pooled[j] += h[p * d + j];
        return pooled;
    }

    static double Cos(double[] a, double[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int j = 0; j < a.Length; j++) { dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j]; }
        return dot / Math.Sqrt(na * nb);
    }
}
