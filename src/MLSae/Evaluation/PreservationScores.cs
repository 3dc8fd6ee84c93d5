namespace MLSae.Evaluation;

/// <summary>
/// The normalised preservation scores and the per-token KL / CE they are built from, computed
/// from logits in double precision with a max-shifted log-sum-exp.
/// </summary>
public static class PreservationScores
{
    /// <summary>kl_div_score = (KL_ablation - KL_sae) / KL_ablation; NaN when KL_ablation is 0.</summary>
    public static double KlDivScore(double klSae, double klAblation) =>
        klAblation == 0 ? double.NaN : (klAblation - klSae) / klAblation;

    /// <summary>ce_loss_score = (CE_ablation - CE_sae) / (CE_ablation - CE_orig); NaN when the two baselines are equal.</summary>
    public static double CeLossScore(double ceSae, double ceAblation, double ceOriginal)
    {
        double denominator = ceAblation - ceOriginal;
        return denominator == 0 ? double.NaN : (ceAblation - ceSae) / denominator;
    }

    /// <summary>KL(p || q) = sum p (log p - log q) with p = softmax(<paramref name="logitsOriginal"/>), q = softmax(<paramref name="logitsNew"/>).</summary>
    public static double KlDivergence(ReadOnlySpan<float> logitsOriginal, ReadOnlySpan<float> logitsNew)
    {
        if (logitsOriginal.Length != logitsNew.Length || logitsOriginal.Length == 0)
            throw new ArgumentException($"Logit rows must be non-empty and equally long; got {logitsOriginal.Length} and {logitsNew.Length}.");
        double lseP = LogSumExp(logitsOriginal), lseQ = LogSumExp(logitsNew);
        double kl = 0;
        for (int i = 0; i < logitsOriginal.Length; i++)
        {
            double logP = logitsOriginal[i] - lseP;
            double logQ = logitsNew[i] - lseQ;
            double p = Math.Exp(logP);
            if (p > 0) kl += p * (logP - logQ);
        }
        return Math.Max(0, kl);
    }

    /// <summary>Cross-entropy -log softmax(<paramref name="logits"/>)[<paramref name="target"/>].</summary>
    public static double CrossEntropy(ReadOnlySpan<float> logits, int target)
    {
        if ((uint)target >= (uint)logits.Length)
            throw new ArgumentOutOfRangeException(nameof(target), target, $"Target id must be in [0, {logits.Length}).");
        return LogSumExp(logits) - logits[target];
    }

    static double LogSumExp(ReadOnlySpan<float> v)
    {
        double max = double.NegativeInfinity;
        foreach (var x in v) if (x > max) max = x;
        double sum = 0;
        foreach (var x in v) sum += Math.Exp(x - max);
        return max + Math.Log(sum);
    }
}
