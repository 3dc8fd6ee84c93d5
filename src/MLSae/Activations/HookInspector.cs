using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLSae.Onnx;

namespace MLSae.Activations;

/// <summary>Finds the shapes of a model's hooks by one tiny forward pass with every hook exposed.</summary>
public static class HookInspector
{
    /// <summary>Each resolvable hook with its shape, e.g. "batch x tokens x 384".</summary>
    public static IReadOnlyList<(HookPoint Hook, string Shape)> Shapes(TransformerModel model, OnnxExecutionOptions? execution = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var hooks = new HookResolver(model).ListHooks();
        if (hooks.Count == 0) return [];
        var tensors = hooks.Select(h => h.TensorName).Distinct().ToList();
        var graph = OnnxGraphSurgery.ExposeAndPrune(model.Graph, tensors);
        using var session = OnnxSessionFactory.Create(graph.ToByteArray(), execution ?? new OnnxExecutionOptions { PreferCuda = false });
        const int batch = 1, tokens = 3;
        var sp = model.SpecialTokens;
        long first = sp.Cls ?? sp.Bos ?? 0;
        var values = new Dictionary<string, long[]>
        {
            [ModelInputs.InputIds] = [first, first, sp.Sep ?? first],
            [ModelInputs.AttentionMask] = [1, 1, 1],
            [ModelInputs.TokenTypeIds] = [0, 0, 0],
            [ModelInputs.PositionIds] = [0, 1, 2],
        };
        var names = session.InputMetadata.Keys.ToArray();
        var inputs = names.Select(n => OrtValue.CreateTensorValueFromMemory(values[n], [batch, tokens])).ToArray();
        try
        {
            using var results = session.Run(new RunOptions(), names, inputs, tensors);
            var shapes = new Dictionary<string, string>();
            for (int i = 0; i < tensors.Count; i++)
                shapes[tensors[i]] = string.Join(" x ", results[i].GetTensorTypeAndShape().Shape.Select((d, k) =>
                    k == 0 && d == batch ? "batch" : k == 1 && d == tokens ? "tokens" : d.ToString()));
            return hooks.Select(h => (h, shapes[h.TensorName])).ToList();
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }
}
