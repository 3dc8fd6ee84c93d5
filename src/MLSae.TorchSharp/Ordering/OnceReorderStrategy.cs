namespace MLSae.Ordering;

/// <summary>`once`: reorder after step <see cref="Warmup"/> (the end of warm-up), never again.</summary>
/// <param name="Warmup">The step after which to reorder.</param>
public sealed record OnceReorderStrategy(long Warmup) : IReorderStrategy
{
    /// <inheritdoc />
    public string Name => "once";

    /// <inheritdoc />
    public bool ShouldReorder(long step, FeatureTracker tracker) => step == Warmup;
}
