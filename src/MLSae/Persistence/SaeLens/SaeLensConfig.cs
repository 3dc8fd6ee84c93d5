using System.Text.Json;
using MLSae.Models;

namespace MLSae.Persistence.SaeLens;

/// <summary>The parts of an SAELens cfg.json that decide the math, and the provenance MLSae keeps.</summary>
sealed record SaeLensConfig(SaeArchitecture Architecture, SaeActivation Activation, int DIn, int DSae, int K, bool ApplyBDecToInput, SaeInfo Info)
{
    public static SaeLensConfig Parse(JsonElement root, string path)
    {
        // SAELens 6 nests provenance under "metadata" (briefly "meta"); 5 and earlier keep it flat.
        JsonElement? meta = root.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object ? md
            : root.TryGetProperty("meta", out var mt) && mt.ValueKind == JsonValueKind.Object ? mt : null;
        string? Str(string name) =>
            meta is { } x && x.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()
            : root.TryGetProperty(name, out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;

        int dIn = RequiredInt(root, "d_in", path), dSae = RequiredInt(root, "d_sae", path);
        var arch = root.TryGetProperty("architecture", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "standard";
        var fn = root.TryGetProperty("activation_fn_str", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : null;
        var supported = string.Join(", ", SaeLensFiles.SupportedArchitectures);

        (SaeArchitecture, SaeActivation) kind = arch switch
        {
            "standard" when fn is null or "relu" => (SaeArchitecture.Standard, SaeActivation.ReLU),
            "standard" when fn == "topk" => (SaeArchitecture.TopK, SaeActivation.TopK), // SAELens < 6 TopK SAEs
            "standard" => throw new NotSupportedException($"{path}: activation_fn_str '{fn}' is not supported; supported: relu, topk."),
            "jumprelu" => (SaeArchitecture.JumpReLU, SaeActivation.JumpReLU),
            "topk" => (SaeArchitecture.TopK, SaeActivation.TopK),
            _ => throw new NotSupportedException($"{path}: SAELens architecture '{arch}' is not supported; supported architectures: {supported}."),
        };
        // Keep MLSae's own training architecture when it wrote the folder (e.g. BatchTopK saved as jumprelu).
        if (root.TryGetProperty("mlsae", out var ml) && ml.ValueKind == JsonValueKind.Object &&
            ml.TryGetProperty("architecture", out var ma) && Enum.TryParse<SaeArchitecture>(ma.GetString(), out var mlArch))
            kind.Item1 = mlArch;

        int k = 0;
        if (kind.Item2 == SaeActivation.TopK)
        {
            if (root.TryGetProperty("k", out var kv) && kv.ValueKind == JsonValueKind.Number) k = (int)kv.GetDouble();
            else if (root.TryGetProperty("activation_fn_kwargs", out var kw) && kw.ValueKind == JsonValueKind.Object &&
                     kw.TryGetProperty("k", out var kk) && kk.ValueKind == JsonValueKind.Number) k = (int)kk.GetDouble();
            else throw new InvalidDataException($"{path}: a topk SAE needs \"k\" (or activation_fn_kwargs.k).");
            if (root.TryGetProperty("rescale_acts_by_decoder_norm", out var rs) && rs.ValueKind == JsonValueKind.True)
                throw new NotSupportedException($"{path}: rescale_acts_by_decoder_norm = true is not supported; fold the decoder norms into the encoder in SAELens first.");
        }

        var norm = root.TryGetProperty("normalize_activations", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "none";
        if (norm != "none")
            throw new NotSupportedException($"{path}: normalize_activations '{norm}' is not supported (MLSae scores raw activations); supported: none. " +
                "In SAELens, fold the scaling factor into the weights (sae.fold_activation_norm_scaling_factor) and save again.");
        if (root.TryGetProperty("reshape_activations", out var rsh) && rsh.ValueKind == JsonValueKind.String && rsh.GetString() != "none")
            throw new NotSupportedException($"{path}: reshape_activations '{rsh.GetString()}' is not supported; supported: none.");
        bool applyBDec = !root.TryGetProperty("apply_b_dec_to_input", out var ab) || ab.ValueKind != JsonValueKind.False;

        var info = new SaeInfo { ModelName = Str("model_name"), HookName = Str("hook_name") };
        if (root.TryGetProperty("mlsae", out var mls) && mls.ValueKind == JsonValueKind.Object)
        {
            if (mls.TryGetProperty("training_tokens", out var tt) && tt.ValueKind == JsonValueKind.Number) info = info with { TrainingTokens = tt.GetInt64() };
            if (mls.TryGetProperty("original_indices", out var oi) && oi.ValueKind == JsonValueKind.Array) info = info with { OriginalIndices = oi.Deserialize<int[]>() };
            if (mls.TryGetProperty("permutations", out var ps) && ps.ValueKind == JsonValueKind.Array)
                info = info with
                {
                    Permutations = ps.EnumerateArray().Select(p => new PermutationRecord(
                        p.GetProperty("step").GetInt64(), p.GetProperty("order").Deserialize<int[]>()!, p.GetProperty("reason").GetString() ?? "")).ToArray(),
                };
        }
        return new SaeLensConfig(kind.Item1, kind.Item2, dIn, dSae, k, applyBDec, info);
    }

    static int RequiredInt(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i > 0 ? i
        : throw new InvalidDataException($"{path}: \"{name}\" is missing or not a positive integer.");
}
