namespace MLSae.Onnx;

/// <summary>What the consumers of a spliced hook tensor read instead of it.</summary>
public enum HookReplacement
{
    /// <summary>The SAE's reconstruction of the hook (its encode and decode nodes run inside the graph).</summary>
    SaeReconstruction,
    /// <summary>Zeros of the hook's shape (zero ablation).</summary>
    Zeros,
    /// <summary>
    /// The hook with edited SAE latents and the SAE error kept: x + (f' - f) W_dec
    /// (<see cref="MLSae.Interventions.SaeIntervention"/>); an empty intervention is the hook itself.
    /// </summary>
    Intervention,
}

/// <summary>
/// One variant in <see cref="SaeGraphSplice.Branches"/>: a copy of everything downstream of the
/// hook, reading <paramref name="Replacement"/>, whose outputs are named <c>{output}{Suffix}</c>.
/// </summary>
/// <param name="Suffix">Appended to every tensor and output of the copy, e.g. ".sae"; non-empty and unique.</param>
/// <param name="Replacement">What the copy reads at the hook.</param>
/// <param name="Intervention">The latent edits when <paramref name="Replacement"/> is <see cref="HookReplacement.Intervention"/>.</param>
public readonly record struct SpliceBranch(string Suffix, HookReplacement Replacement, MLSae.Interventions.SaeIntervention? Intervention = null);

/// <summary>How <see cref="SaeGraphSplice"/> edits a graph.</summary>
public sealed record SaeSpliceOptions
{
    /// <summary>Creates options with the defaults in <see cref="SaeSpliceDefaults"/>.</summary>
    public SaeSpliceOptions() { }

    /// <summary>
    /// Prefix of every node, tensor and initializer the splice adds (<c>{Prefix}/...</c>); the graph
    /// must not already use names starting with it.
    /// </summary>
    public string Prefix { get; init; } = SaeSpliceDefaults.Prefix;

    /// <summary>
    /// Name of an int64 graph input the splice adds, shaped like the hook without its last axis
    /// ([batch, tokens]): where it is 0 the SAE branch keeps the hook's own value, where it is 1 it
    /// reads the reconstruction (SAEBench's <c>exclude_special_tokens_from_reconstruction</c>). Null:
    /// every position is reconstructed. Interventions use it the same way (0: the position is not edited). Zero ablation ignores it (all positions are zeroed).
    /// </summary>
    public string? ReconstructMaskInput { get; init; }
}

/// <summary>Default values of <see cref="SaeSpliceOptions"/>.</summary>
public static class SaeSpliceDefaults
{
    /// <summary>"mlsae.splice".</summary>
    public const string Prefix = "mlsae.splice";
}
