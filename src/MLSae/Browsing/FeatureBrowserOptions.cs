namespace MLSae.Browsing;

/// <summary>How much the feature browser keeps per feature. Memory is O(m x (TopContexts + ReservoirSize + HistogramBins)).</summary>
public sealed record FeatureBrowserOptions
{
    /// <summary>Top activating contexts kept per feature (a bounded min-heap in the streaming pass).</summary>
    public int TopContexts { get; init; } = 20;
    /// <summary>Uniform reservoir of firings per feature; quantile samples and top tokens are drawn from it.</summary>
    public int ReservoirSize { get; init; } = 64;
    /// <summary>Activation-quantile bands the reservoir is split into (by rank).</summary>
    public int QuantileBands { get; init; } = 4;
    /// <summary>Contexts shown per quantile band.</summary>
    public int SamplesPerBand { get; init; } = 5;
    /// <summary>Tokens shown before the activating token (same document only).</summary>
    public int ContextBefore { get; init; } = 10;
    /// <summary>Tokens shown after the activating token (same document only).</summary>
    public int ContextAfter { get; init; } = 4;
    /// <summary>Nearest features by decoder cosine listed per feature.</summary>
    public int Neighbours { get; init; } = 8;
    /// <summary>Top tokens listed per feature.</summary>
    public int TopTokens { get; init; } = 10;
    /// <summary>Rows encoded per batch.</summary>
    public int BatchSize { get; init; } = 1024;
    /// <summary>Seed of the per-feature reservoir streams and of the random order of the prefix curves.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Cache rows the index page's prefix curves (as trained / frequency / random) are computed on; 0 leaves them out.</summary>
    public int PrefixRows { get; init; } = 8192;
    /// <summary>Tokens listed at each end of a causal LM feature's logit effect (W_dec[i] . W_U).</summary>
    public int LogitTokens { get; init; } = 10;

    /// <summary>Throws naming the first invalid property.</summary>
    public void Validate()
    {
        static void Positive(int v, string name) { if (v <= 0) throw new ArgumentOutOfRangeException(name, v, $"FeatureBrowserOptions.{name} must be positive."); }
        static void NonNegative(int v, string name) { if (v < 0) throw new ArgumentOutOfRangeException(name, v, $"FeatureBrowserOptions.{name} must be non-negative."); }
        Positive(TopContexts, nameof(TopContexts));
        Positive(ReservoirSize, nameof(ReservoirSize));
        Positive(QuantileBands, nameof(QuantileBands));
        NonNegative(SamplesPerBand, nameof(SamplesPerBand));
        NonNegative(ContextBefore, nameof(ContextBefore));
        NonNegative(ContextAfter, nameof(ContextAfter));
        NonNegative(Neighbours, nameof(Neighbours));
        NonNegative(TopTokens, nameof(TopTokens));
        Positive(BatchSize, nameof(BatchSize));
        NonNegative(PrefixRows, nameof(PrefixRows));
        NonNegative(LogitTokens, nameof(LogitTokens));
    }
}

/// <summary>Encodes <paramref name="count"/> rows ([count, d]) into codes ([count, m]); e.g. <c>SaeScorer.Encode</c> or <c>SaeCpuForward.Encode</c>.</summary>
public delegate void FeatureEncoder(ReadOnlySpan<float> rows, int count, Span<float> codes);
