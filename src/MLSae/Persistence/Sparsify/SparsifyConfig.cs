using System.Text.Json;
using System.Text.Json.Nodes;
using MLSae.Models;

namespace MLSae.Persistence.Sparsify;

/// <summary>
/// The fields of a sparsify cfg.json (sparsify/config.py <c>SparseCoderConfig</c> plus <c>d_in</c>) that decide the
/// math, and MLSae's provenance under an "mlsae" key, which sparsify drops on load (<c>from_dict(drop_extra_fields=True)</c>).
/// </summary>
sealed record SparsifyConfig(int DIn, int NumLatents, int K, SaeArchitecture? Architecture, SaeInfo Info)
{
    // Flags that add terms MLSae's SAE does not compute; sparsify's defaults are all false.
    static readonly string[] UnsupportedFlags = ["transcode", "skip_connection", "embed_skip", "gram_lookup"];

    public static SparsifyConfig Parse(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected a JSON object.");
        int dIn = Int(root, "d_in", null, path) ?? throw new InvalidDataException($"{path}: \"d_in\" is missing; sparsify's save_to_disk always writes it.");
        // sparse_coder.py: num_latents = cfg.num_latents or d_in * cfg.expansion_factor (defaults 0 and 32).
        int numLatents = Int(root, "num_latents", 0, path) is int n and > 0 ? n : checked(dIn * (Int(root, "expansion_factor", 32, path) ?? 32));
        int k = Int(root, "k", 32, path) ?? 32;
        var activation = root.TryGetProperty("activation", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "topk";
        if (activation != "topk")
            throw new NotSupportedException($"{path}: activation \"{activation}\" is not supported; MLSae reads sparsify coders with activation \"topk\".");
        foreach (var flag in UnsupportedFlags)
            if (root.TryGetProperty(flag, out var f) && f.ValueKind == JsonValueKind.True)
                throw new NotSupportedException($"{path}: \"{flag}\": true is not supported; MLSae reads plain sparse autoencoders (all of {string.Join(", ", UnsupportedFlags)} false).");
        if (numLatents <= 0 || k <= 0 || k > numLatents)
            throw new InvalidDataException($"{path}: k = {k} must be between 1 and the number of latents ({numLatents}).");

        SaeArchitecture? arch = null;
        var info = new SaeInfo();
        if (root.TryGetProperty("mlsae", out var ml) && ml.ValueKind == JsonValueKind.Object)
        {
            if (ml.TryGetProperty("architecture", out var ma) && ma.ValueKind == JsonValueKind.String && Enum.TryParse<SaeArchitecture>(ma.GetString(), out var parsed))
                arch = parsed;
            info = info with
            {
                ModelName = Str(ml, "model_name"),
                HookName = Str(ml, "hook_name"),
                TrainingTokens = ml.TryGetProperty("training_tokens", out var tt) && tt.ValueKind == JsonValueKind.Number ? tt.GetInt64() : 0,
                OriginalIndices = ml.TryGetProperty("original_indices", out var oi) && oi.ValueKind == JsonValueKind.Array ? oi.Deserialize<int[]>() : null,
                Permutations = ml.TryGetProperty("permutations", out var ps) && ps.ValueKind == JsonValueKind.Array
                    ? ps.EnumerateArray().Select(p => new PermutationRecord(p.GetProperty("step").GetInt64(), p.GetProperty("order").Deserialize<int[]>()!,
                        p.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : "")).ToArray()
                    : [],
            };
        }
        return new SparsifyConfig(dIn, numLatents, k, arch, info);
    }

    /// <summary>cfg.json for <paramref name="w"/> (a TopK SAE): SparseCoderConfig's fields, d_in, and MLSae's provenance.</summary>
    public static JsonObject ToJson(SaeWeights w)
    {
        var info = w.Info;
        return new JsonObject
        {
            ["activation"] = "topk",
            ["expansion_factor"] = Math.Max(1, w.FeatureCount / w.InputDim),   // informational: num_latents wins when non-zero
            // The decoder rows are saved as they are; true would only matter to sparsify when it initialises a new coder.
            ["normalize_decoder"] = false,
            ["num_latents"] = w.FeatureCount,
            ["k"] = w.K,
            ["multi_topk"] = false,
            ["skip_connection"] = false,
            ["transcode"] = false,
            ["d_in"] = w.InputDim,
            ["mlsae"] = new JsonObject
            {
                ["architecture"] = w.Architecture.ToString(),
                ["model_name"] = info.ModelName,
                ["hook_name"] = info.HookName,
                ["training_tokens"] = info.TrainingTokens,
                ["original_indices"] = info.OriginalIndices is null ? null : JsonSerializer.SerializeToNode(info.OriginalIndices),
                ["permutations"] = info.Permutations.Count == 0 ? null : JsonSerializer.SerializeToNode(
                    info.Permutations.Select(p => new { step = p.Step, order = p.Order, reason = p.Reason })),
            },
        };
    }

    static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static int? Int(JsonElement root, string name, int? fallback, string path)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return fallback;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= 0 ? i
            : throw new InvalidDataException($"{path}: \"{name}\" must be a non-negative integer (found {v.GetRawText()}).");
    }
}
