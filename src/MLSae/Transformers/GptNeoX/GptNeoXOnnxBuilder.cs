using Google.Protobuf;
using MLSae.Diagnostics;
using MLSae.Onnx;
using Onnx;
using DT = Onnx.TensorProto.Types.DataType;

namespace MLSae.Transformers.GptNeoX;

/// <summary>
/// Emits the ONNX graph (opset 17, float32) of a GPT-NeoX causal LM, following Hugging Face's
/// GPTNeoXForCausalLM: token embedding; per block LayerNorm, causal self-attention with the fused
/// per-head [q|k|v] projection and partial rotary embeddings (rotate_half on the first
/// rotary_ndims dims), LayerNorm, GELU MLP, parallel or sequential residual; final LayerNorm;
/// unembedding. Inputs: <c>input_ids</c> and <c>attention_mask</c> [batch, tokens] int64.
/// Outputs: TransformerLens-named hook tensors (<see cref="GptNeoXHooks"/>) and <c>logits</c>.
/// </summary>
public static partial class GptNeoXOnnxBuilder
{
    /// <summary>ONNX Runtime cannot load a single protobuf over 2 GB; Pythia up to ~410M fits.</summary>
    const long MaxInitializerBytes = 2_000_000_000;

    /// <summary>Builds the model from <paramref name="checkpoint"/>.</summary>
    public static ModelProto Build(GptNeoXCheckpoint checkpoint, GptNeoXBuildOptions? options = null, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return BuildCore(checkpoint, options ?? new GptNeoXBuildOptions(), progress);
    }

    static ModelProto BuildCore(GptNeoXCheckpoint checkpoint, GptNeoXBuildOptions options, IProgress<ProgressInfo>? progress)
    {
        var c = checkpoint.Config;
        long paramBytes = 4L * ((long)c.VocabSize * c.HiddenSize * (c.TieWordEmbeddings ? 1 : 2)
            + (long)c.NumLayers * (4L * c.HiddenSize * c.HiddenSize + 2L * c.HiddenSize * c.IntermediateSize));
        if (paramBytes > MaxInitializerBytes)
            throw new NotSupportedException($"The model has about {paramBytes / 4_000_000}M parameters ({paramBytes / 1_000_000_000.0:F1} GB as float32); MLSae's ONNX export keeps weights inside the model file, which ONNX Runtime limits to 2 GB. Use a model up to ~410M parameters.");

        var hooks = RequestedHooks(c, options);
        int lastLayer = options.IncludeLogits || hooks.Any(h => GptNeoXHooks.LayerOf(h, c) >= c.NumLayers)
            ? c.NumLayers : hooks.Select(h => GptNeoXHooks.LayerOf(h, c)).DefaultIfEmpty(-1).Max();
        if (options.SpliceHook is { } splice)
        {
            GptNeoXHooks.LayerOf(splice, c);
            if (splice == GptNeoXHooks.Logits)
                throw new ArgumentException("Splicing the logits is pointless: they are the graph's last tensor. Splice a residual or block-output hook.", nameof(options));
        }

        var g = new GraphEmitter(new OnnxGraphBuilder(options.ModelName ?? "gpt_neox"), checkpoint, options);
        g.Emit(lastLayer, progress);
        foreach (var h in hooks)
            g.B.AddOutput(h, DT.Float, "batch", "tokens", h == GptNeoXHooks.Logits ? c.VocabSize : c.HiddenSize);
        if (options.IncludeLogits && !hooks.Contains(GptNeoXHooks.Logits))
            g.B.AddOutput(GptNeoXHooks.Logits, DT.Float, "batch", "tokens", c.VocabSize);

        var metadata = new Dictionary<string, string>
        {
            ["mlsae.model"] = "gpt-neox",
            ["mlsae.name"] = options.ModelName ?? "gpt_neox",
            ["mlsae.hidden_size"] = c.HiddenSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["mlsae.num_layers"] = c.NumLayers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["mlsae.vocab_size"] = c.VocabSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["mlsae.hooks"] = string.Join(",", hooks),
            ["mlsae.positions"] = options.Positions.ToString(),
        };
        if (options.SpliceHook is not null) metadata["mlsae.splice"] = options.SpliceHook;
        return g.B.Build(metadata);
    }

    /// <summary>Builds the model and serialises it.</summary>
    public static byte[] BuildBytes(GptNeoXCheckpoint checkpoint, GptNeoXBuildOptions? options = null, IProgress<ProgressInfo>? progress = null) =>
        Build(checkpoint, options, progress).ToByteArray();

    /// <summary>
    /// Loads the checkpoint in <paramref name="checkpointDirectory"/>, writes the ONNX model to
    /// <paramref name="onnxPath"/> atomically and copies the checkpoint's tokenizer.json into the same
    /// folder (as tokenizer.json). Returns the tokenizer's new path, or null when the checkpoint has none.
    /// </summary>
    public static string? BuildFile(string checkpointDirectory, string onnxPath, GptNeoXBuildOptions? options = null, IProgress<ProgressInfo>? progress = null)
    {
        using var checkpoint = GptNeoXCheckpoint.Load(checkpointDirectory);
        var model = Build(checkpoint, options, progress);
        Persistence.AtomicFile.Write(onnxPath, model.WriteTo);
        if (checkpoint.TokenizerPath is not { } tokenizer) return null;
        var target = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, GptNeoXCheckpoint.TokenizerFileName);
        if (Path.GetFullPath(tokenizer) != target)
        {
            var bytes = File.ReadAllBytes(tokenizer); // through symlinks into the Hub cache
            Persistence.AtomicFile.WriteAllBytes(target, bytes);
        }
        return target;
    }

    static List<string> RequestedHooks(GptNeoXConfig c, GptNeoXBuildOptions options)
    {
        var all = GptNeoXHooks.All(c);
        if (options.Hooks is null) return all.Where(h => h != GptNeoXHooks.Logits || options.IncludeLogits).ToList();
        foreach (var h in options.Hooks) GptNeoXHooks.LayerOf(h, c);
        return options.Hooks.Distinct().ToList();
    }
}
