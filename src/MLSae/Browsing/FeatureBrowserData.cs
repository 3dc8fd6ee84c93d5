namespace MLSae.Browsing;

/// <summary>Everything the feature browser shows, in the SAE's current feature order. Layout of the JSON export: docs/browser.md.</summary>
/// <param name="Model">Model the activations came from (cache manifest, else the SAE's metadata).</param>
/// <param name="Hook">Hook point.</param>
/// <param name="InputDim">d.</param>
/// <param name="Rows">Cache rows (tokens) the statistics were computed on.</param>
/// <param name="Features">One report per feature, by current index.</param>
/// <param name="HistoryTokens">Training tokens at each feature-history snapshot kept for the sparklines; null without history.</param>
/// <param name="Notes">Things the user should know (e.g. no feature history), each said once.</param>
public sealed record FeatureBrowserData(string? Model, string? Hook, int InputDim, long Rows, FeatureReport[] Features, long[]? HistoryTokens, IReadOnlyList<string> Notes)
{
    /// <summary>Prefix curves of the order as trained, by frequency on the cache, and a random order (empty when left out).</summary>
    public IReadOnlyList<MLSae.Ordering.PrefixCurve> PrefixCurves { get; init; } = [];
}

/// <summary>One feature's statistics and examples.</summary>
/// <param name="Index">Position in the SAE's current order.</param>
/// <param name="OriginalIndex">Index when training started (<c>SaeInfo.OriginalIndices</c>; the index itself when absent).</param>
/// <param name="Count">Rows on which it fired (f_i &gt; 0).</param>
/// <param name="Frequency">Count / rows.</param>
/// <param name="MeanActivation">Mean activation when firing.</param>
/// <param name="MaxActivation">Largest activation.</param>
/// <param name="DecoderNorm">L2 norm of its decoder row.</param>
/// <param name="Histogram">Counts over <see cref="ActivationHistogram"/> bins.</param>
/// <param name="Top">Top activating contexts, largest first.</param>
/// <param name="Quantiles">Contexts sampled from activation-quantile bands, highest band first.</param>
/// <param name="TopTokens">Tokens it fires on most (estimated from the reservoir).</param>
/// <param name="Nearest">Nearest features by decoder cosine.</param>
/// <param name="History">EMA firing frequency at each kept history snapshot; null without history.</param>
/// <param name="Moves">(training step, position after that reorder) for every reorder applied, oldest first.</param>
public sealed record FeatureReport(int Index, int OriginalIndex, long Count, double Frequency, double MeanActivation, float MaxActivation,
    float DecoderNorm, int[] Histogram, BrowserContext[] Top, QuantileBand[] Quantiles, TokenCount[] TopTokens, Neighbour[] Nearest,
    float[]? History, OrderMove[] Moves)
{
    /// <summary>For causal LMs, the tokens whose logits the decoder direction raises and lowers most (W_dec[i] . W_U); null otherwise.</summary>
    public LogitEffect? Logits { get; init; }
}

/// <summary>A window of tokens around an activating row, with this feature's activation on every token.</summary>
/// <param name="Row">The activating cache row.</param>
/// <param name="Activation">Activation on that row.</param>
/// <param name="Document">Document id.</param>
/// <param name="Center">Index of the activating token in <paramref name="TokenIds"/>.</param>
/// <param name="TokenIds">Vocabulary ids of the window (same document only).</param>
/// <param name="Tokens">Display text per token; null where the tokenizer cannot decode the id.</param>
/// <param name="Activations">The feature's activation on each token of the window.</param>
public sealed record BrowserContext(long Row, float Activation, long Document, int Center, int[] TokenIds, string?[] Tokens, float[] Activations);

/// <summary>Contexts from one activation-quantile band (by rank within the reservoir).</summary>
/// <param name="FromQuantile">Lower rank fraction, e.g. 0.75.</param>
/// <param name="ToQuantile">Upper rank fraction, e.g. 1.</param>
/// <param name="Low">Smallest activation in the band's reservoir entries.</param>
/// <param name="High">Largest activation in the band's reservoir entries.</param>
/// <param name="Samples">Contexts, evenly spaced by rank within the band.</param>
public sealed record QuantileBand(double FromQuantile, double ToQuantile, float Low, float High, BrowserContext[] Samples);

/// <summary>A token a feature fires on.</summary>
/// <param name="TokenId">Vocabulary id.</param>
/// <param name="Token">Display text; null when not decodable.</param>
/// <param name="Samples">Reservoir entries on this token.</param>
/// <param name="EstimatedFirings">Samples / reservoir size x firings: an estimate of how often the feature fires on it.</param>
/// <param name="MeanActivation">Mean activation over those reservoir entries.</param>
public sealed record TokenCount(int TokenId, string? Token, int Samples, double EstimatedFirings, double MeanActivation);

/// <summary>A feature with a similar decoder direction.</summary>
public sealed record Neighbour(int Feature, float Cosine);

/// <summary>Where a feature stood after one reorder.</summary>
public sealed record OrderMove(long Step, int Position);

/// <summary>The direct logit effect of a feature's decoder row: W_dec[i] . W_U, largest and smallest entries.</summary>
/// <param name="Top">Tokens it raises most, largest first.</param>
/// <param name="Bottom">Tokens it lowers most, smallest first.</param>
public sealed record LogitEffect(TokenLogit[] Top, TokenLogit[] Bottom);

/// <summary>One vocabulary entry of a logit effect.</summary>
/// <param name="TokenId">Vocabulary id.</param>
/// <param name="Token">Display text; null when not decodable.</param>
/// <param name="Value">W_dec[i] . W_U[:, id].</param>
public sealed record TokenLogit(int TokenId, string? Token, float Value);
