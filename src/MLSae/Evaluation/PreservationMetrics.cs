namespace MLSae.Evaluation;

/// <summary>
/// Downstream preservation: the model run unchanged, with the hook replaced by the SAE
/// reconstruction, and with the hook zero-ablated. Scores are 1 for a perfect SAE and 0 for ablation.
/// </summary>
public sealed record PreservationMetrics
{
    /// <summary>(KL_ablation - KL_sae) / KL_ablation.</summary>
    public double KlDivScore { get; init; }
    /// <summary>Mean KL(p_orig || p_ablation) per token.</summary>
    public double KlDivWithAblation { get; init; }
    /// <summary>Mean KL(p_orig || p_sae) per token.</summary>
    public double KlDivWithSae { get; init; }
    /// <summary>(CE_ablation - CE_sae) / (CE_ablation - CE_orig).</summary>
    public double CeLossScore { get; init; }
    /// <summary>Mean next-token cross-entropy with the hook zero-ablated.</summary>
    public double CeLossWithAblation { get; init; }
    /// <summary>Mean next-token cross-entropy with the SAE reconstruction spliced in.</summary>
    public double CeLossWithSae { get; init; }
    /// <summary>Mean next-token cross-entropy of the unchanged model.</summary>
    public double CeLossWithoutSae { get; init; }
    /// <summary>Tokens the KL / CE values were averaged over.</summary>
    public long Tokens { get; init; }

    /// <summary>Builds the record from raw KL and CE means, computing both scores.</summary>
    public static PreservationMetrics FromRaw(double klSae, double klAblation, double ceSae, double ceAblation, double ceOriginal, long tokens) => new()
    {
        KlDivWithSae = klSae,
        KlDivWithAblation = klAblation,
        KlDivScore = PreservationScores.KlDivScore(klSae, klAblation),
        CeLossWithSae = ceSae,
        CeLossWithAblation = ceAblation,
        CeLossWithoutSae = ceOriginal,
        CeLossScore = PreservationScores.CeLossScore(ceSae, ceAblation, ceOriginal),
        Tokens = tokens,
    };
}
