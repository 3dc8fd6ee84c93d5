namespace MLSae.Ordering;

/// <summary>`periodic`: reorder after steps Warmup, Warmup + Interval, Warmup + 2 Interval, ...</summary>
/// <param name="Warmup">First reorder step.</param>
/// <param name="Interval">Steps between reorders.</param>
public sealed record PeriodicReorderStrategy(long Warmup, long Interval) : IReorderStrategy
{
    /// <inheritdoc />
    public string Name => "periodic";

    /// <inheritdoc />
    public bool ShouldReorder(long step, FeatureTracker tracker) => step >= Warmup && (step - Warmup) % Interval == 0;
}
