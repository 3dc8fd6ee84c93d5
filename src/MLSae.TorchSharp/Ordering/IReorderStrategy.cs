namespace MLSae.Ordering;

/// <summary>Decides, after each step, whether to reorder now. One small class per strategy.</summary>
public interface IReorderStrategy
{
    /// <summary>The `--reorder` name.</summary>
    string Name { get; }

    /// <summary>True to reorder after <paramref name="step"/>; <paramref name="tracker"/> has already counted it.</summary>
    bool ShouldReorder(long step, FeatureTracker tracker);
}

/// <summary>Creates strategies from options.</summary>
internal static class ReorderStrategies
{
    /// <summary>The strategy <paramref name="options"/> names.</summary>
    public static IReorderStrategy Create(ReorderOptions options) => options.Strategy switch
    {
        ReorderStrategyKind.None => new NoReorderStrategy(),
        ReorderStrategyKind.Once => new OnceReorderStrategy(options.Warmup),
        ReorderStrategyKind.Periodic => new PeriodicReorderStrategy(options.Warmup, options.Interval),
        ReorderStrategyKind.Adaptive => new AdaptiveReorderStrategy(options.Warmup, options.VarianceThreshold),
        ReorderStrategyKind.Hybrid => new HybridReorderStrategy(
            new PeriodicReorderStrategy(options.Warmup, options.Interval), new AdaptiveReorderStrategy(options.Warmup, options.VarianceThreshold)),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Strategy, "Unknown ReorderOptions.Strategy; use None, Once, Periodic, Adaptive or Hybrid."),
    };
}
