using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace MLSae.Activations;

/// <summary>
/// A transformer to extract activations from: its ONNX graph (bytes held once), tokenizer, special
/// tokens, longest usable context and the architecture family whose hook rules apply. Made by
/// <see cref="ModelSources.Resolve"/> or directly for custom sources.
/// </summary>
public sealed class TransformerModel
{
    readonly Lazy<ModelProto> _graph;

    /// <summary>Wraps <paramref name="onnxBytes"/> and <paramref name="tokenizer"/>; checks that they fit together.</summary>
    /// <param name="name">Name recorded in caches and manifests (e.g. "minilm-l6").</param>
    /// <param name="onnxBytes">The serialised ONNX model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="family">Hook rules to use; <see cref="ArchitectureFamily.Unknown"/> detects from tensor names.</param>
    public TransformerModel(string name, byte[] onnxBytes, ModelTokenizer tokenizer, ArchitectureFamily family = ArchitectureFamily.Unknown)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(onnxBytes);
        ArgumentNullException.ThrowIfNull(tokenizer);
        Name = name;
        OnnxBytes = onnxBytes;
        Tokenizer = tokenizer;
        _graph = new(() => ParseGraph(name, onnxBytes));
        var g = Graph.Graph;
        Family = family != ArchitectureFamily.Unknown ? family : DetectFamily(Graph);
        InputNames = g.Input.Select(i => i.Name).Where(n => !g.Initializer.Any(t => t.Name == n)).ToArray();
        if (!InputNames.Contains(ModelInputs.InputIds))
            throw new InvalidDataException($"Model '{name}' has no '{ModelInputs.InputIds}' input (inputs: {string.Join(", ", InputNames)}); MLSae feeds token ids through an input of that name.");
        foreach (var input in InputNames)
            if (!ModelInputs.Known.Contains(input))
                throw new InvalidDataException($"Model '{name}' has an input '{input}' MLSae cannot fill; supported inputs: {string.Join(", ", ModelInputs.Known)}.");
        (EmbeddingRows, HiddenSize) = FindEmbedding(g);
        if (EmbeddingRows > 0 && tokenizer.VocabularySize > EmbeddingRows)
            throw new InvalidDataException($"Tokenizer/model mismatch for '{name}': the tokenizer has {tokenizer.VocabularySize:N0} ids but the model's token embedding has {EmbeddingRows:N0} rows. Pass the tokenizer file that belongs to this model.");
        MaxPositions = FindMaxPositions(g);
    }

    /// <summary>Name recorded in caches and manifests.</summary>
    public string Name { get; }
    /// <summary>The ONNX model bytes.</summary>
    public byte[] OnnxBytes { get; }
    /// <summary>The parsed ONNX model (parsed once, on first use). Do not edit: clone first.</summary>
    public ModelProto Graph => _graph.Value;
    /// <summary>The tokenizer.</summary>
    public ModelTokenizer Tokenizer { get; }
    /// <summary>Special token ids (from the tokenizer).</summary>
    public SpecialTokenIds SpecialTokens => Tokenizer.SpecialTokens;
    /// <summary>Whose hook rules apply.</summary>
    public ArchitectureFamily Family { get; }
    /// <summary>Graph inputs the extractor fills (a subset of <see cref="ModelInputs.Known"/>).</summary>
    public IReadOnlyList<string> InputNames { get; }
    /// <summary>Rows of the token embedding (0 when not found).</summary>
    public int EmbeddingRows { get; }
    /// <summary>Model width d from the token embedding (0 when not found).</summary>
    public int HiddenSize { get; }
    /// <summary>Longest context the position embedding allows (int.MaxValue when the graph has none, e.g. rotary).</summary>
    public int MaxPositions { get; }
    /// <summary>True for encoders that take [CLS] ... [SEP] contexts (BERT family).</summary>
    public bool IsEncoder => Family == ArchitectureFamily.Bert || (SpecialTokens.Cls is not null && SpecialTokens.Bos is null);

    static ModelProto ParseGraph(string name, byte[] bytes)
    {
        try { return ModelProto.Parser.ParseFrom(bytes); }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"Model '{name}' is not a valid ONNX file ({e.Message}). Check the path or re-export the model.", e);
        }
    }

    static ArchitectureFamily DetectFamily(ModelProto model)
    {
        foreach (var p in model.MetadataProps)
            if (p.Key == "mlsae.architecture" && Enum.TryParse<ArchitectureFamily>(p.Value, true, out var f)) return f;
        foreach (var t in model.Graph.Initializer)
        {
            if (t.Name.StartsWith("encoder.layer.", StringComparison.Ordinal) || t.Name.Contains(".encoder.layer.", StringComparison.Ordinal)) return ArchitectureFamily.Bert;
            if (t.Name.StartsWith("gpt_neox.layers.", StringComparison.Ordinal)) return ArchitectureFamily.GptNeoX;
            if (t.Name.StartsWith("transformer.h.", StringComparison.Ordinal) || t.Name.StartsWith("h.0.", StringComparison.Ordinal)) return ArchitectureFamily.Gpt2;
        }
        return ArchitectureFamily.Unknown;
    }

    // The token embedding is the initializer a Gather reads with input_ids as indices.
    static (int Rows, int Width) FindEmbedding(GraphProto g)
    {
        foreach (var n in g.Node)
            if (n.OpType == "Gather" && n.Input.Count == 2 && n.Input[1] == ModelInputs.InputIds
                && g.Initializer.FirstOrDefault(t => t.Name == n.Input[0]) is { Dims.Count: 2 } emb)
                return ((int)emb.Dims[0], (int)emb.Dims[1]);
        return (0, 0);
    }

    static int FindMaxPositions(GraphProto g)
    {
        foreach (var t in g.Initializer)
            if (t.Dims.Count == 2 && (t.Name.EndsWith("position_embeddings.weight", StringComparison.Ordinal) || t.Name.EndsWith("wpe.weight", StringComparison.Ordinal)))
                return (int)t.Dims[0];
        return int.MaxValue;
    }
}

/// <summary>The model inputs MLSae knows how to fill.</summary>
internal static class ModelInputs
{
    /// <summary>Token ids [batch, sequence] int64.</summary>
    public const string InputIds = "input_ids";
    /// <summary>1 for real tokens, 0 for padding.</summary>
    public const string AttentionMask = "attention_mask";
    /// <summary>All zeros (single segment).</summary>
    public const string TokenTypeIds = "token_type_ids";
    /// <summary>0, 1, ... per context.</summary>
    public const string PositionIds = "position_ids";
    /// <summary>Every input name above.</summary>
    public static readonly IReadOnlyList<string> Known = [InputIds, AttentionMask, TokenTypeIds, PositionIds];

    /// <summary>
    /// OrtValues over the first <paramref name="batch"/> x <paramref name="tokens"/> entries of each input's
    /// buffer, shaped [batch, tokens], in the order of <paramref name="names"/>. The caller disposes them.
    /// </summary>
    public static OrtValue[] Bind(IReadOnlyList<string> names, int batch, int tokens, Func<string, long[]> buffer)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(buffer);
        int n = batch * tokens;
        long[] shape = [batch, tokens];
        var values = new OrtValue[names.Count];
        try
        {
            for (int i = 0; i < names.Count; i++)
                values[i] = OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, buffer(names[i]).AsMemory(0, n), shape);
            return values;
        }
        catch
        {
            foreach (var v in values) v?.Dispose();
            throw;
        }
    }
}
