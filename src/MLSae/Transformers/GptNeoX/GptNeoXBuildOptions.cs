namespace MLSae.Transformers.GptNeoX;

/// <summary>Defaults of <see cref="GptNeoXBuildOptions"/>.</summary>
public static class GptNeoXBuildDefaults
{
    /// <summary>Logits are an output unless turned off.</summary>
    public const bool IncludeLogits = true;
    /// <summary>Positions are 0..T-1, as Hugging Face uses for a forward pass without position_ids.</summary>
    public const GptNeoXPositions Positions = GptNeoXPositions.Arange;
}

/// <summary>How the graph numbers token positions for the rotary embeddings.</summary>
public enum GptNeoXPositions
{
    /// <summary>0, 1, ..., T-1 in every row (Hugging Face's default; right padding changes nothing).</summary>
    Arange,
    /// <summary>cumsum(attention_mask) - 1, clamped at 0 (what generation uses; correct for left padding).</summary>
    FromAttentionMask,
}

/// <summary>What <see cref="GptNeoXOnnxBuilder"/> puts in the graph.</summary>
public sealed record GptNeoXBuildOptions
{
    /// <summary>Applies the defaults.</summary>
    public GptNeoXBuildOptions() { }

    /// <summary>
    /// Hook tensors exposed as graph outputs (TransformerLens names, see <see cref="GptNeoXHooks"/>);
    /// null exposes every hook. Layers after the last one needed are left out when logits are off.
    /// </summary>
    public IReadOnlyList<string>? Hooks { get; init; }

    /// <summary>Whether <c>logits</c> [batch, tokens, vocab] is an output.</summary>
    public bool IncludeLogits { get; init; } = GptNeoXBuildDefaults.IncludeLogits;

    /// <summary>
    /// A hook whose computed tensor is replaced downstream by a graph input named
    /// <c>{hook}.splice</c> (float [batch, tokens, d]); the computed tensor can still be requested as
    /// an output under the hook's own name (it is one when <see cref="Hooks"/> is null or lists it). Null: no splice.
    /// </summary>
    public string? SpliceHook { get; init; }

    /// <summary>Rotary position numbering.</summary>
    public GptNeoXPositions Positions { get; init; } = GptNeoXBuildDefaults.Positions;

    /// <summary>Graph name (also recorded in metadata); null uses "gpt_neox".</summary>
    public string? ModelName { get; init; }
}
