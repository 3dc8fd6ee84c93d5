using System.Text.Json;

namespace MLSae.Transformers.GptNeoX;

/// <summary>
/// The fields of a Hugging Face GPT-NeoX <c>config.json</c> the ONNX builder needs. Older configs
/// (Pythia) name the rotary fields <c>rotary_pct</c> / <c>rotary_emb_base</c>; newer Transformers
/// releases write <c>partial_rotary_factor</c> / <c>rope_theta</c>; both are read.
/// </summary>
public sealed record GptNeoXConfig
{
    /// <summary>The architectures this importer supports (config.json "architectures").</summary>
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["GPTNeoXForCausalLM"];

    /// <summary>The hidden activations the MLP may use.</summary>
    public static readonly IReadOnlyList<string> SupportedActivations = ["gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh"];

    /// <summary>Residual stream width d (hidden_size).</summary>
    public required int HiddenSize { get; init; }
    /// <summary>Number of transformer blocks.</summary>
    public required int NumLayers { get; init; }
    /// <summary>Attention heads per block.</summary>
    public required int NumHeads { get; init; }
    /// <summary>MLP width (intermediate_size).</summary>
    public required int IntermediateSize { get; init; }
    /// <summary>Rows of the token embedding and of the unembedding (vocab_size).</summary>
    public required int VocabSize { get; init; }
    /// <summary>Fraction of each head's dimensions that get rotary embeddings.</summary>
    public double RotaryPct { get; init; } = 1.0;
    /// <summary>Rotary base (theta).</summary>
    public double RotaryBase { get; init; } = 10000;
    /// <summary>x + attn(ln1(x)) + mlp(ln2(x)) when true; sequential residual otherwise.</summary>
    public bool UseParallelResidual { get; init; } = true;
    /// <summary>LayerNorm epsilon.</summary>
    public double LayerNormEps { get; init; } = 1e-5;
    /// <summary>Longest context the model was trained on.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;
    /// <summary>Unembedding shares the token embedding's weights.</summary>
    public bool TieWordEmbeddings { get; init; }
    /// <summary>MLP activation name (hidden_act).</summary>
    public string HiddenAct { get; init; } = "gelu";
    /// <summary>Whether query_key_value and dense carry biases (attention_bias; true for Pythia).</summary>
    public bool AttentionBias { get; init; } = true;

    /// <summary>Per-head dimension (hidden_size / num_attention_heads).</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>Dimensions per head that are rotated: int(head_dim * rotary_pct), as Hugging Face computes it.</summary>
    public int RotaryDims => (int)(HeadDim * RotaryPct);

    /// <summary>The Pythia-70M configuration (EleutherAI/pythia-70m config.json).</summary>
    public static GptNeoXConfig Pythia70M => new()
    {
        HiddenSize = 512, NumLayers = 6, NumHeads = 8, IntermediateSize = 2048, VocabSize = 50304,
        RotaryPct = 0.25, RotaryBase = 10000, UseParallelResidual = true, LayerNormEps = 1e-5,
        MaxPositionEmbeddings = 2048, TieWordEmbeddings = false, HiddenAct = "gelu",
    };

    /// <summary>Reads and validates <paramref name="path"/> (a config.json).</summary>
    public static GptNeoXConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"GPT-NeoX config '{path}' does not exist. A Hugging Face checkpoint folder holds config.json next to model.safetensors.", path);
        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Parses config.json text; <paramref name="source"/> names it in errors.</summary>
    public static GptNeoXConfig Parse(string json, string source = "config.json")
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var archs = root.TryGetProperty("architectures", out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(e => e.GetString() ?? "").ToArray() : [];
        var modelType = root.TryGetProperty("model_type", out var mt) ? mt.GetString() : null;
        bool supported = archs.Length > 0 ? archs.Any(SupportedArchitectures.Contains) : modelType == "gpt_neox";
        if (!supported)
            throw new NotSupportedException(
                $"{source}: architecture {(archs.Length > 0 ? string.Join(", ", archs) : $"model_type '{modelType ?? "(none)"}'")} is not supported. " +
                $"Supported: {string.Join(", ", SupportedArchitectures)} (model_type gpt_neox, e.g. the EleutherAI Pythia models).");
        if (root.TryGetProperty("rope_scaling", out var rs) && rs.ValueKind != JsonValueKind.Null)
            throw new NotSupportedException($"{source}: rope_scaling {rs.GetRawText()} is not supported; only plain rotary embeddings (rope_scaling null) are.");

        var config = new GptNeoXConfig
        {
            HiddenSize = Int(root, "hidden_size", source),
            NumLayers = Int(root, "num_hidden_layers", source),
            NumHeads = Int(root, "num_attention_heads", source),
            IntermediateSize = Int(root, "intermediate_size", source),
            VocabSize = Int(root, "vocab_size", source),
            RotaryPct = Double(root, "rotary_pct") ?? Double(root, "partial_rotary_factor") ?? 1.0,
            RotaryBase = Double(root, "rotary_emb_base") ?? Double(root, "rope_theta") ?? 10000,
            UseParallelResidual = Bool(root, "use_parallel_residual") ?? true,
            LayerNormEps = Double(root, "layer_norm_eps") ?? 1e-5,
            MaxPositionEmbeddings = root.TryGetProperty("max_position_embeddings", out var mp) ? mp.GetInt32() : 2048,
            TieWordEmbeddings = Bool(root, "tie_word_embeddings") ?? false,
            HiddenAct = root.TryGetProperty("hidden_act", out var act) ? act.GetString() ?? "gelu" : "gelu",
            AttentionBias = Bool(root, "attention_bias") ?? true,
        };
        config.Validate(source);
        return config;
    }

    /// <summary>Throws when the sizes are inconsistent; <paramref name="source"/> names the config in errors.</summary>
    public void Validate(string source = "config")
    {
        if (HiddenSize <= 0 || NumLayers <= 0 || NumHeads <= 0 || IntermediateSize <= 0 || VocabSize <= 0)
            throw new InvalidDataException($"{source}: hidden_size, num_hidden_layers, num_attention_heads, intermediate_size and vocab_size must be positive.");
        if (HiddenSize % NumHeads != 0)
            throw new InvalidDataException($"{source}: hidden_size {HiddenSize} is not divisible by num_attention_heads {NumHeads}.");
        if (RotaryPct is < 0 or > 1)
            throw new InvalidDataException($"{source}: rotary_pct {RotaryPct} must lie in [0, 1].");
        if (RotaryDims % 2 != 0)
            throw new InvalidDataException($"{source}: rotary dims int(head_dim {HeadDim} * rotary_pct {RotaryPct}) = {RotaryDims} must be even.");
        if (!SupportedActivations.Contains(HiddenAct))
            throw new NotSupportedException($"{source}: hidden_act '{HiddenAct}' is not supported; supported: {string.Join(", ", SupportedActivations)}.");
    }

    static int Int(JsonElement root, string name, string source) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32()
        : throw new InvalidDataException($"{source}: required field '{name}' is missing or not a number.");

    static double? Double(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    static bool? Bool(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
