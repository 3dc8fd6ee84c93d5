namespace MLSae.Ordering;

/// <summary>
/// `adaptive`: after warm-up (step &gt;= Warmup), reorder when <see cref="FeatureTracker.WindowVariance"/> (the mean
/// over features of the population variance of each feature's per-step firing frequency over the last W steps)
/// exceeds <see cref="Threshold"/>. The variance is permutation-invariant, so a reorder does not lower it; to
/// avoid reordering every step, at least W steps must pass since the previous reorder (W = window size).
/// </summary>
/// <param name="Warmup">First step at which a reorder may happen.</param>
/// <param name="Threshold">Variance threshold (frequency units squared).</param>
public sealed record AdaptiveReorderStrategy(long Warmup, double Threshold) : IReorderStrategy
{
    /// <inheritdoc />
    public string Name => "adaptive";

    /// <inheritdoc />
    public bool ShouldReorder(long step, FeatureTracker tracker)
    {
        if (step < Warmup || !tracker.WindowFull) return false;
        if (tracker.LastReorderStep is long last && step - last < tracker.Options.VarianceWindow) return false;
        return tracker.WindowVariance() > Threshold;
    }
}
