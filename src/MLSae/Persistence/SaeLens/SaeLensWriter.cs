using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MLSae.Models;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Persistence.SaeLens;

/// <summary>
/// Writes an SAE as an SAELens folder: cfg.json, sae_weights.safetensors and (when frequencies
/// are known) sparsity.safetensors. The cfg carries SAELens 6 fields plus the flat legacy fields
/// older loaders read; MLSae's ordering information goes under an "mlsae" key SAELens ignores.
/// </summary>
public static partial class SaeLensWriter
{
    /// <summary>Writes <paramref name="weights"/> into <paramref name="folder"/> (created if needed; files replaced atomically).</summary>
    public static void Write(SaeWeights weights, string folder, SaeLensWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Directory.CreateDirectory(folder);
        int d = weights.InputDim, m = weights.FeatureCount;
        var st = new SafeTensorsWriter()
            .Add(SaeLensFiles.WEnc, Onnx.SaeOnnxGraph.Transpose(weights.EncoderWeights, m, d), [d, m])
            .Add(SaeLensFiles.BEnc, weights.EncoderBias, [m])
            .Add(SaeLensFiles.WDec, weights.DecoderWeights, [m, d])
            .Add(SaeLensFiles.BDec, weights.DecoderBias, [d]);
        if (weights.Activation == SaeActivation.JumpReLU) st.Add(SaeLensFiles.Threshold, weights.Thresholds!, [m]);
        st.AddMetadata("format", "pt");
        st.Save(Path.Combine(folder, SaeLensFiles.Weights));

        if (weights.Info.FeatureFrequencies is { } freq)
        {
            var log = freq.Select(f => (float)Math.Log10(f + SaeLensFiles.SparsityEpsilon)).ToArray();
            new SafeTensorsWriter().Add(SaeLensFiles.SparsityKey, log, [m]).AddMetadata("format", "pt")
                .Save(Path.Combine(folder, SaeLensFiles.Sparsity));
        }
        AtomicFile.WriteAllText(Path.Combine(folder, SaeLensFiles.Config), Config(weights, options ?? new SaeLensWriteOptions()).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    static JsonObject Config(SaeWeights w, SaeLensWriteOptions o)
    {
        var info = w.Info;
        var arch = w.Activation switch
        {
            SaeActivation.ReLU => "standard",
            SaeActivation.JumpReLU => "jumprelu",
            _ => "topk",
        };
        int? layer = info.HookName is { } h && LayerPattern().Match(h) is { Success: true } mt ? int.Parse(mt.Groups[1].Value) : null;
        var metadata = new JsonObject
        {
            ["model_name"] = info.ModelName,
            ["hook_name"] = info.HookName,
            ["hook_layer"] = layer,
            ["hook_head_index"] = null,
            ["prepend_bos"] = o.PrependBos,
            ["context_size"] = o.ContextSize,
            ["dataset_path"] = o.DatasetPath,
            ["neuronpedia_id"] = null,
        };
        var cfg = new JsonObject
        {
            ["architecture"] = arch,
            ["d_in"] = w.InputDim,
            ["d_sae"] = w.FeatureCount,
            ["dtype"] = "float32",
            ["device"] = "cpu",
            ["apply_b_dec_to_input"] = true,
            ["normalize_activations"] = "none",
            ["reshape_activations"] = "none",
            ["metadata"] = metadata,
            // Flat fields read by SAELens before 6.0 and by tools that never moved to "metadata".
            ["model_name"] = info.ModelName,
            ["hook_name"] = info.HookName,
            ["hook_layer"] = layer,
            ["hook_head_index"] = null,
            ["activation_fn_str"] = w.Activation == SaeActivation.TopK ? "topk" : "relu",
            ["activation_fn_kwargs"] = w.Activation == SaeActivation.TopK ? new JsonObject { ["k"] = w.K } : new JsonObject(),
            ["finetuning_scaling_factor"] = false,
            ["context_size"] = o.ContextSize,
            ["dataset_path"] = o.DatasetPath,
            ["prepend_bos"] = o.PrependBos,
            ["mlsae"] = new JsonObject
            {
                ["architecture"] = w.Architecture.ToString(),
                ["training_tokens"] = info.TrainingTokens,
                ["original_indices"] = info.OriginalIndices is null ? null : JsonSerializer.SerializeToNode(info.OriginalIndices),
                ["permutations"] = info.Permutations.Count == 0 ? null : JsonSerializer.SerializeToNode(
                    info.Permutations.Select(p => new { step = p.Step, order = p.Order, reason = p.Reason })),
            },
        };
        if (w.Activation == SaeActivation.TopK)
        {
            cfg["k"] = w.K;
            cfg["rescale_acts_by_decoder_norm"] = false;
        }
        return cfg;
    }

    [GeneratedRegex(@"(?:^|\.)(?:blocks|layers?|layer)\.(\d+)\.")]
    private static partial Regex LayerPattern();
}

/// <summary>Training-context fields for cfg.json that <see cref="SaeWeights"/> does not carry.</summary>
public sealed record SaeLensWriteOptions
{
    /// <summary>Context length of the training sequences, if known.</summary>
    public int? ContextSize { get; init; }
    /// <summary>Dataset the SAE was trained on, if known.</summary>
    public string? DatasetPath { get; init; }
    /// <summary>Whether sequences started with a BOS token.</summary>
    public bool PrependBos { get; init; }
}
