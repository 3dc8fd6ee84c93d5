namespace MLSae.Evaluation;

/// <summary>Defaults for <see cref="MetricsEvaluatorOptions"/>.</summary>
public static class MetricsEvaluatorDefaults
{
    /// <summary>Tokens per batch; also the batch of the legacy explained variance (SAEBench: 16 prompts x 128 tokens).</summary>
    public const int BatchSize = 2048;
    /// <summary>0: evaluate every row of the source.</summary>
    public const long MaxTokens = 0;
    /// <summary>A feature is dead when its frequency is at most this (0: never fired).</summary>
    public const double DeadFrequencyThreshold = 0;
    /// <summary>A feature is dense when its frequency is above this.</summary>
    public const double DenseFrequencyThreshold = 0.1;
    /// <summary>Left edge of the log10-frequency histogram.</summary>
    public const double HistogramMin = -8;
    /// <summary>Width of a histogram bin in log10 units.</summary>
    public const double HistogramBinWidth = 0.25;
}

/// <summary>Options of the core metrics evaluation.</summary>
public sealed record MetricsEvaluatorOptions
{
    /// <summary>Options with every default applied.</summary>
    public MetricsEvaluatorOptions() { }

    /// <summary>Tokens per batch read from the source and passed through the SAE.</summary>
    public int BatchSize { get; init; } = MetricsEvaluatorDefaults.BatchSize;
    /// <summary>Evaluate at most this many rows from the start of the source; 0 for all.</summary>
    public long MaxTokens { get; init; } = MetricsEvaluatorDefaults.MaxTokens;
    /// <summary>Frequency at or below which a feature counts as dead.</summary>
    public double DeadFrequencyThreshold { get; init; } = MetricsEvaluatorDefaults.DeadFrequencyThreshold;
    /// <summary>Frequency above which a feature counts as dense.</summary>
    public double DenseFrequencyThreshold { get; init; } = MetricsEvaluatorDefaults.DenseFrequencyThreshold;
    /// <summary>Left edge of the log10-frequency histogram.</summary>
    public double HistogramMin { get; init; } = MetricsEvaluatorDefaults.HistogramMin;
    /// <summary>Bin width of the log10-frequency histogram.</summary>
    public double HistogramBinWidth { get; init; } = MetricsEvaluatorDefaults.HistogramBinWidth;

    internal void Validate()
    {
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be positive.");
        if (MaxTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be 0 (all) or positive.");
        if (DeadFrequencyThreshold < 0 || DeadFrequencyThreshold > 1) throw new ArgumentOutOfRangeException(nameof(DeadFrequencyThreshold), DeadFrequencyThreshold, "Use a frequency in [0, 1].");
        if (DenseFrequencyThreshold < 0 || DenseFrequencyThreshold > 1) throw new ArgumentOutOfRangeException(nameof(DenseFrequencyThreshold), DenseFrequencyThreshold, "Use a frequency in [0, 1].");
        if (!(HistogramBinWidth > 0) || HistogramMin >= 0) throw new ArgumentOutOfRangeException(nameof(HistogramBinWidth), "The histogram needs a positive bin width and a negative left edge.");
    }
}
