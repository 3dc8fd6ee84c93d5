using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLSae.Activations;
using MLSae.Interventions;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Tests.Evaluation;
using static MLSae.Tests.Evaluation.Preservation.SpliceFixture;

namespace MLSae.Tests.Interventions;

/// <summary>Interventions in all-MiniLM-L6-v2 (an ONNX model MLSae did not build) at layer 3.</summary>
public class MiniLmInterventionTests
{
    const string Hook = "blocks.3.hook_resid_post";

    [Fact]
    [Trait("Category", "Integration")]
    public void EmptyAndIdentityInterventions_ReproduceTheHiddenStates_AndAnAblationChangesThem()
    {
        var model = ModelSources.Resolve(MiniLmResources.Name);
        string tensor = new HookResolver(model).Resolve(Hook).TensorName;
        var sae = Reference.RandomWeights(MiniLmResources.HiddenSize, 768, SaeActivation.ReLU, seed: 4);
        var sp = model.SpecialTokens;
        long[] ids = [sp.Cls!.Value, .. model.Tokenizer.Encode("The whale surfaced beside the ship at dawn.").Select(i => (long)i), sp.Sep!.Value];
        using var plain = OnnxSessionFactory.Create(model.OnnxBytes, Cpu);
        var o = Hidden(plain, ids);
        foreach (var intervention in new[] { SaeIntervention.Empty, new SaeIntervention([LatentEdit.Scale(10, 1), LatentEdit.Add(500, 0)]) })
        {
            using var edited = OnnxSessionFactory.Create(SaeGraphSplice.Intervene(model.Graph, tensor, sae, intervention).ToByteArray(), Cpu);
            var e = Hidden(edited, ids);
            for (int i = 0; i < o.Length; i++)
                Assert.True(Math.Abs(o[i] - e[i]) <= 1e-5 + 1e-5 * Math.Abs(o[i]), $"[{i}] {e[i]:G9} vs {o[i]:G9} with {intervention.Edits.Count} identity edits");
        }
        using var steered = OnnxSessionFactory.Create(SaeGraphSplice.Intervene(model.Graph, tensor, sae, new SaeIntervention([LatentEdit.Add(7, 20)])).ToByteArray(), Cpu);
        var s = Hidden(steered, ids);
        Assert.True(o.Zip(s, (a, b) => Math.Abs(a - b)).Max() > 1e-2, "steering should change the hidden states");
    }

    static float[] Hidden(InferenceSession session, long[] ids)
    {
        int t = ids.Length;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, [1, t])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, t).ToArray(), [1, t])),
        };
        if (session.InputMetadata.ContainsKey("token_type_ids"))
            inputs.Add(NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[t], [1, t])));
        using var results = session.Run(inputs, ["last_hidden_state"]);
        return results.First().AsTensor<float>().ToArray();
    }
}
