namespace MLSae.Evaluation;

/// <summary>
/// Core metrics of an SAE over a set of tokens (SAEBench "core" definitions with the corrected
/// explained variance). Means are over tokens; see docs/evaluation.md for every formula.
/// </summary>
public sealed record SaeMetrics
{
    /// <summary>Tokens evaluated (special tokens are excluded upstream by the cache).</summary>
    public long Tokens { get; init; }
    /// <summary>mse = mean over tokens of ||x - x_hat||^2 / d (per element).</summary>
    public double Mse { get; init; }
    /// <summary>
    /// SAEBench's <c>mse</c> (sae_bench/evals/core/main.py, get_sparsity_and_variance_metrics): mean over tokens of
    /// ||x - x_hat||^2 / B, B the token count of the token's batch (<see cref="LegacyBatchSize"/>; the last batch may be
    /// smaller). Neither per element nor per token: it shrinks as the batch grows; kept to compare with SAEBench's results.
    /// </summary>
    public double MseLegacy { get; init; }
    /// <summary>Mean over tokens of ||x - x_hat||^2 (summed over dimensions); Mse times d.</summary>
    public double SummedSquaredError { get; init; }
    /// <summary>cossim = mean over tokens of cos(x, x_hat); tokens with a zero vector are skipped.</summary>
    public double CosineSimilarity { get; init; }
    /// <summary>1 - E||x - x_hat||^2 / (E||x||^2 - ||E x||^2): 0 for the mean, 1 for perfect reconstruction.</summary>
    public double ExplainedVariance { get; init; }
    /// <summary>Per-batch form: mean over tokens of 1 - ||x - x_hat||^2 / ||x - mean_batch x||^2 (depends on <see cref="LegacyBatchSize"/>).</summary>
    public double ExplainedVarianceLegacy { get; init; }
    /// <summary>Batch size used for <see cref="ExplainedVarianceLegacy"/> and <see cref="MseLegacy"/>.</summary>
    public int LegacyBatchSize { get; init; }
    /// <summary>Mean ||x||.</summary>
    public double L2NormIn { get; init; }
    /// <summary>Mean ||x_hat||.</summary>
    public double L2NormOut { get; init; }
    /// <summary>Mean ||x_hat|| / ||x|| over tokens with x != 0.</summary>
    public double L2Ratio { get; init; }
    /// <summary>Mean ||x_hat||^2 / mean &lt;x, x_hat&gt;; 1 means no systematic shrinkage.</summary>
    public double RelativeReconstructionBias { get; init; }
    /// <summary>Mean number of non-zero features per token.</summary>
    public double L0 { get; init; }
    /// <summary>Mean sum of |f_i| per token (equal to sum f_i for non-negative codes), on the codes the evaluator was given (the CLI and <c>SaeEvaluation().Evaluate(SaeWeights, ...)</c> give the unit-decoder-row form f_i ||W_dec[i]||).</summary>
    public double L1 { get; init; }
    /// <summary>Fraction of features that fired on at least one token.</summary>
    public double FracAlive { get; init; }
    /// <summary>Fraction of features with frequency &lt;= the dead threshold.</summary>
    public double DeadFraction { get; init; }
    /// <summary>Fraction of features with frequency &gt; the dense threshold.</summary>
    public double DenseFraction { get; init; }
    /// <summary>Fraction of features firing on more than 1% of tokens.</summary>
    public double FreqOver1Percent { get; init; }
    /// <summary>Fraction of features firing on more than 10% of tokens.</summary>
    public double FreqOver10Percent { get; init; }
    /// <summary>Per-feature firing frequency (fraction of tokens with f_i != 0), in the SAE's feature order.</summary>
    public double[] FeatureFrequencies { get; init; } = [];
    /// <summary>Per-feature mean of f_i over the tokens where it fired (0 for features that never fired).</summary>
    public double[] FeatureMeanActivations { get; init; } = [];
    /// <summary>Histogram of log10 frequency over features that fired.</summary>
    public DensityHistogram DensityHistogram { get; init; } = new(0, 0, []);
    /// <summary>Downstream preservation (KL / CE), when it was measured; null otherwise.</summary>
    public PreservationMetrics? Preservation { get; init; }
}

/// <summary>
/// Histogram of log10(frequency) for features that fired at least once. Bin b covers
/// [<see cref="Min"/> + b * <see cref="BinWidth"/>, Min + (b + 1) * BinWidth); values below Min go
/// into bin 0, a frequency of exactly 1 into the last bin.
/// </summary>
/// <param name="Min">Left edge of the first bin (log10 units).</param>
/// <param name="BinWidth">Width of each bin (log10 units).</param>
/// <param name="Counts">Features per bin.</param>
public sealed record DensityHistogram(double Min, double BinWidth, long[] Counts);
