namespace MLSae.Models;

/// <summary>Where an SAE came from and how its features were ordered. Optional everywhere.</summary>
public sealed record SaeInfo
{
    /// <summary>The model the activations came from, e.g. "minilm-l6" or "EleutherAI/pythia-70m".</summary>
    public string? ModelName { get; init; }
    /// <summary>TransformerLens-style hook name, e.g. "blocks.3.hook_resid_post".</summary>
    public string? HookName { get; init; }
    /// <summary>Tokens the SAE was trained on.</summary>
    public long TrainingTokens { get; init; }
    /// <summary>Per-feature firing frequency (fraction of tokens with f_i &gt; 0), in current feature order.</summary>
    public float[]? FeatureFrequencies { get; init; }
    /// <summary>For each current feature index, the index it had when training started.</summary>
    public int[]? OriginalIndices { get; init; }
    /// <summary>Every reorder applied, oldest first.</summary>
    public IReadOnlyList<PermutationRecord> Permutations { get; init; } = [];
}

/// <summary>One reorder: new feature j is old feature <see cref="Order"/>[j].</summary>
/// <param name="Step">Training step at which it happened (-1 for post-hoc).</param>
/// <param name="Order">The permutation, new index to old index.</param>
/// <param name="Reason">Strategy or key that triggered it.</param>
public sealed record PermutationRecord(long Step, int[] Order, string Reason);
