using System.Globalization;
using System.Text.Json;
using MLSae.Models;

namespace MLSae.Persistence.Onnx;

/// <summary>
/// The metadata_props keys MLSae writes into every SAE graph. They survive ML.NET's model zip
/// (the ONNX bytes are embedded verbatim), so a loaded model can be identified and its typed
/// view recovered.
/// </summary>
public static class SaeOnnxMetadata
{
    /// <summary>Marks a graph as an MLSae SAE; value <see cref="FormatVersion"/>.</summary>
    public const string Format = "mlsae.format";
    /// <summary>The current format tag.</summary>
    public const string FormatVersion = "mlsae-sae/1";
    /// <summary><see cref="SaeGraphKind"/> name.</summary>
    public const string Kind = "mlsae.graph";
    /// <summary>"true" when tensors carry a batch dimension.</summary>
    public const string Batched = "mlsae.batched";
    /// <summary><see cref="SaeArchitecture"/> name.</summary>
    public const string Architecture = "mlsae.architecture";
    /// <summary><see cref="SaeActivation"/> name.</summary>
    public const string Activation = "mlsae.activation";
    /// <summary>d.</summary>
    public const string InputDim = "mlsae.d";
    /// <summary>m.</summary>
    public const string FeatureCount = "mlsae.m";
    /// <summary>k for TopK (0 otherwise).</summary>
    public const string K = "mlsae.k";
    /// <summary>Graph input name.</summary>
    public const string InputName = "mlsae.input";
    /// <summary>Features tensor name.</summary>
    public const string FeaturesName = "mlsae.features";
    /// <summary>Reconstruction tensor name.</summary>
    public const string ReconstructionName = "mlsae.reconstruction";
    /// <summary>Source model name.</summary>
    public const string ModelName = "mlsae.model";
    /// <summary>Hook name.</summary>
    public const string HookName = "mlsae.hook";
    /// <summary>Training tokens.</summary>
    public const string TrainingTokens = "mlsae.training_tokens";
    /// <summary>JSON float array of per-feature firing frequencies.</summary>
    public const string FeatureFrequencies = "mlsae.feature_frequencies";
    /// <summary>JSON int array: original index of each current feature.</summary>
    public const string OriginalIndices = "mlsae.original_indices";
    /// <summary>JSON array of {step, order, reason}: the permutation log.</summary>
    public const string Permutations = "mlsae.permutations";

    static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    internal static Dictionary<string, string> Write(SaeWeights w, SaeOnnxOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        var info = w.Info;
        var md = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Format] = FormatVersion,
            [Kind] = o.Kind.ToString(),
            [Batched] = o.Batched ? "true" : "false",
            [Architecture] = w.Architecture.ToString(),
            [Activation] = w.Activation.ToString(),
            [InputDim] = w.InputDim.ToString(inv),
            [FeatureCount] = w.FeatureCount.ToString(inv),
            [K] = w.K.ToString(inv),
            [InputName] = o.InputName,
            [FeaturesName] = o.FeaturesName,
            [ReconstructionName] = o.ReconstructionName,
            [TrainingTokens] = info.TrainingTokens.ToString(inv),
        };
        if (info.ModelName is not null) md[ModelName] = info.ModelName;
        if (info.HookName is not null) md[HookName] = info.HookName;
        if (info.FeatureFrequencies is not null) md[FeatureFrequencies] = JsonSerializer.Serialize(info.FeatureFrequencies);
        if (info.OriginalIndices is not null) md[OriginalIndices] = JsonSerializer.Serialize(info.OriginalIndices);
        if (info.Permutations.Count > 0) md[Permutations] = JsonSerializer.Serialize(info.Permutations, s_json);
        return md;
    }

    internal static SaeInfo ReadInfo(IReadOnlyDictionary<string, string> md, string source)
    {
        try
        {
            return new SaeInfo
            {
                ModelName = md.GetValueOrDefault(ModelName),
                HookName = md.GetValueOrDefault(HookName),
                TrainingTokens = md.TryGetValue(TrainingTokens, out var t) ? long.Parse(t, CultureInfo.InvariantCulture) : 0,
                FeatureFrequencies = md.TryGetValue(FeatureFrequencies, out var f) ? JsonSerializer.Deserialize<float[]>(f) : null,
                OriginalIndices = md.TryGetValue(OriginalIndices, out var oi) ? JsonSerializer.Deserialize<int[]>(oi) : null,
                Permutations = md.TryGetValue(Permutations, out var p) ? JsonSerializer.Deserialize<PermutationRecord[]>(p, s_json) ?? [] : [],
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"{source}: MLSae metadata is malformed ({e.Message}). Re-export the SAE.", e);
        }
    }
}
