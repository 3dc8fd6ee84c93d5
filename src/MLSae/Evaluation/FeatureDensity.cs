namespace MLSae.Evaluation;

/// <summary>Feature-frequency summaries: alive, dead and dense fractions and the log10 histogram.</summary>
public static class FeatureDensity
{
    /// <summary>The summary of one frequency vector.</summary>
    /// <param name="FracAlive">Fraction with frequency &gt; 0.</param>
    /// <param name="DeadFraction">Fraction with frequency &lt;= the dead threshold.</param>
    /// <param name="DenseFraction">Fraction with frequency &gt; the dense threshold.</param>
    /// <param name="FreqOver1Percent">Fraction with frequency &gt; 0.01.</param>
    /// <param name="FreqOver10Percent">Fraction with frequency &gt; 0.1.</param>
    /// <param name="Histogram">log10-frequency histogram of features with frequency &gt; 0.</param>
    public readonly record struct Summary(double FracAlive, double DeadFraction, double DenseFraction,
        double FreqOver1Percent, double FreqOver10Percent, DensityHistogram Histogram);

    /// <summary>Summarises per-feature <paramref name="frequencies"/> (each in [0, 1]).</summary>
    public static Summary Summarize(ReadOnlySpan<double> frequencies, MetricsEvaluatorOptions options)
    {
        int m = frequencies.Length;
        if (m == 0) throw new ArgumentException("No features to summarise.", nameof(frequencies));
        int bins = (int)Math.Ceiling(-options.HistogramMin / options.HistogramBinWidth);
        var counts = new long[bins];
        long alive = 0, dead = 0, dense = 0, over1 = 0, over10 = 0;
        foreach (var f in frequencies)
        {
            if (f > 0)
            {
                alive++;
                int b = (int)Math.Floor((Math.Log10(f) - options.HistogramMin) / options.HistogramBinWidth);
                counts[Math.Clamp(b, 0, bins - 1)]++;
            }
            if (f <= options.DeadFrequencyThreshold) dead++;
            if (f > options.DenseFrequencyThreshold) dense++;
            if (f > 0.01) over1++;
            if (f > 0.1) over10++;
        }
        return new Summary((double)alive / m, (double)dead / m, (double)dense / m, (double)over1 / m, (double)over10 / m,
            new DensityHistogram(options.HistogramMin, options.HistogramBinWidth, counts));
    }
}
