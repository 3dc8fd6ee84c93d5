namespace MLSae.Ordering;

/// <summary>When features are reordered during training (`--reorder`).</summary>
public enum ReorderStrategyKind
{
    /// <summary>Never (tracking only).</summary>
    None,
    /// <summary>Once, at the end of warm-up.</summary>
    Once,
    /// <summary>At the end of warm-up and every interval after it.</summary>
    Periodic,
    /// <summary>After warm-up, when the window variance of per-step frequencies exceeds a threshold.</summary>
    Adaptive,
    /// <summary>Periodic or adaptive, whichever triggers.</summary>
    Hybrid,
}

/// <summary>What a reorder permutes besides the module's tensors (`--reorder-state`).</summary>
public enum ReorderStateMode
{
    /// <summary>Also permute the optimizer state (Adam moments): an exact symmetry, training is unchanged up to float rounding.</summary>
    Exact,
    /// <summary>Leave the optimizer state in the old order, as ad-hoc implementations do: moments then belong to the wrong features.</summary>
    Naive,
}

/// <summary>In-training feature tracking and reordering.</summary>
public sealed record ReorderOptions
{
    /// <summary>Defaults from <see cref="ReorderDefaults"/>.</summary>
    public ReorderOptions() { }

    /// <summary>`--reorder`.</summary>
    public ReorderStrategyKind Strategy { get; init; } = ReorderDefaults.Strategy;
    /// <summary>`--reorder-by`: frequency, mean activation or importance.</summary>
    public FeatureOrderKey By { get; init; } = ReorderDefaults.By;
    /// <summary>`--reorder-warmup`: first step at which a reorder may happen.</summary>
    public long Warmup { get; init; } = ReorderDefaults.Warmup;
    /// <summary>`--reorder-interval`: steps between periodic reorders.</summary>
    public long Interval { get; init; } = ReorderDefaults.Interval;
    /// <summary>`--reorder-variance`: adaptive threshold on the window variance (frequency units squared).</summary>
    public double VarianceThreshold { get; init; } = ReorderDefaults.VarianceThreshold;
    /// <summary>`--reorder-window`: steps in the adaptive variance window (also the adaptive cool-down).</summary>
    public int VarianceWindow { get; init; } = ReorderDefaults.VarianceWindow;
    /// <summary>`--reorder-state`.</summary>
    public ReorderStateMode StateMode { get; init; } = ReorderDefaults.StateMode;
    /// <summary>Decay of the exponential moving averages of frequency and mean activation.</summary>
    public double EmaDecay { get; init; } = ReorderDefaults.EmaDecay;
    /// <summary>`--history-interval`: steps between history snapshots (0: none).</summary>
    public long HistoryInterval { get; init; } = ReorderDefaults.HistoryInterval;

    /// <summary>Throws naming the bad option.</summary>
    public void Validate()
    {
        if (Warmup < 0) throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, "ReorderOptions.Warmup must be >= 0.");
        if (Interval <= 0) throw new ArgumentOutOfRangeException(nameof(Interval), Interval, "ReorderOptions.Interval must be > 0.");
        if (!(VarianceThreshold >= 0)) throw new ArgumentOutOfRangeException(nameof(VarianceThreshold), VarianceThreshold, "ReorderOptions.VarianceThreshold must be >= 0.");
        if (VarianceWindow < 2) throw new ArgumentOutOfRangeException(nameof(VarianceWindow), VarianceWindow, "ReorderOptions.VarianceWindow must be >= 2.");
        if (!(EmaDecay >= 0 && EmaDecay < 1)) throw new ArgumentOutOfRangeException(nameof(EmaDecay), EmaDecay, "ReorderOptions.EmaDecay must be in [0, 1).");
        if (HistoryInterval < 0) throw new ArgumentOutOfRangeException(nameof(HistoryInterval), HistoryInterval, "ReorderOptions.HistoryInterval must be >= 0.");
        if (By is FeatureOrderKey.Original or FeatureOrderKey.Random)
            throw new ArgumentException($"ReorderOptions.By {By} is not a training sort key; use Frequency, MeanActivation or Importance.", nameof(By));
    }
}

/// <summary>Defaults of <see cref="ReorderOptions"/> (those of the original runs).</summary>
public static class ReorderDefaults
{
    /// <summary>No reordering.</summary>
    public const ReorderStrategyKind Strategy = ReorderStrategyKind.None;
    /// <summary>Frequency.</summary>
    public const FeatureOrderKey By = FeatureOrderKey.Frequency;
    /// <summary>1000 steps.</summary>
    public const long Warmup = 1000;
    /// <summary>500 steps.</summary>
    public const long Interval = 500;
    /// <summary>0.1 (see docs/ordering.md: with this definition it is rarely reached).</summary>
    public const double VarianceThreshold = 0.1;
    /// <summary>10 steps.</summary>
    public const int VarianceWindow = 10;
    /// <summary>Exact.</summary>
    public const ReorderStateMode StateMode = ReorderStateMode.Exact;
    /// <summary>0.99.</summary>
    public const double EmaDecay = 0.99;
    /// <summary>100 steps.</summary>
    public const long HistoryInterval = 100;
}
