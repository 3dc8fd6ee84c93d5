namespace MLSae.Ordering;

/// <summary>`none`: never reorder.</summary>
public sealed class NoReorderStrategy : IReorderStrategy
{
    /// <inheritdoc />
    public string Name => "none";

    /// <inheritdoc />
    public bool ShouldReorder(long step, FeatureTracker tracker) => false;
}
