namespace MLSae.Ordering;

/// <summary>`hybrid`: reorder when the periodic or the adaptive strategy says so.</summary>
/// <param name="Periodic">The periodic part.</param>
/// <param name="Adaptive">The adaptive part.</param>
public sealed record HybridReorderStrategy(PeriodicReorderStrategy Periodic, AdaptiveReorderStrategy Adaptive) : IReorderStrategy
{
    /// <inheritdoc />
    public string Name => "hybrid";

    /// <inheritdoc />
    public bool ShouldReorder(long step, FeatureTracker tracker) =>
        Periodic.ShouldReorder(step, tracker) || Adaptive.ShouldReorder(step, tracker);
}
