namespace MLSae.Evaluation.Concepts;

/// <summary>TPP for one class: its probe's accuracy drop and the other probes' mean drop when its latents are ablated.</summary>
public sealed record TppClassResult
{
    /// <summary>The class value.</summary>
    public required string Class { get; init; }
    /// <summary>The class probe's test accuracy, nothing ablated.</summary>
    public double CleanAccuracy { get; init; }
    /// <summary>n to clean - ablated accuracy of this class's probe (tpp_threshold_n_intended_diff_only).</summary>
    public IReadOnlyDictionary<int, double> IntendedDiff { get; init; } = new Dictionary<int, double>();
    /// <summary>n to the mean over the other probes of clean - ablated accuracy (tpp_threshold_n_unintended_diff_only).</summary>
    public IReadOnlyDictionary<int, double> UnintendedDiff { get; init; } = new Dictionary<int, double>();
    /// <summary>n to intended - unintended (tpp_threshold_n_total_metric).</summary>
    public IReadOnlyDictionary<int, double> TotalMetric { get; init; } = new Dictionary<int, double>();
    /// <summary>n to the ablated latents, largest effect first.</summary>
    public IReadOnlyDictionary<int, int[]> Latents { get; init; } = new Dictionary<int, int[]>();
}

/// <summary>Targeted probe perturbation over every class, with means across classes (SAEBench's tpp_metrics).</summary>
public sealed record TppResult
{
    /// <summary>The label column.</summary>
    public required string Column { get; init; }
    /// <summary>Per-class results.</summary>
    public IReadOnlyList<TppClassResult> Classes { get; init; } = [];
    /// <summary>n to the mean of <see cref="TppClassResult.TotalMetric"/>.</summary>
    public IReadOnlyDictionary<int, double> TotalMetric { get; init; } = new Dictionary<int, double>();
    /// <summary>n to the mean of <see cref="TppClassResult.IntendedDiff"/>.</summary>
    public IReadOnlyDictionary<int, double> IntendedDiff { get; init; } = new Dictionary<int, double>();
    /// <summary>n to the mean of <see cref="TppClassResult.UnintendedDiff"/>.</summary>
    public IReadOnlyDictionary<int, double> UnintendedDiff { get; init; } = new Dictionary<int, double>();
    /// <summary>Positive training / test texts per class probe.</summary>
    public int TrainPerClass { get; init; }
    /// <summary>Positive test texts per class probe.</summary>
    public int TestPerClass { get; init; }
    /// <summary>The options in force (NValues and Classes resolved).</summary>
    public required TppOptions Options { get; init; }
}
