namespace MLSae.Evaluation.Preservation;

/// <summary>
/// Downstream preservation for encoders (MiniLM): each context's final hidden states, mean-pooled over
/// its attended tokens (CLS, text, SEP; padding excluded), are the sentence embedding e. With
/// D_x = mean over contexts of 1 - cos(e_orig, e_x), <see cref="CosineScore"/> =
/// (D_ablation - D_sae) / D_ablation: 1 when the SAE run keeps every embedding's direction, 0 when it
/// is as far off as zero ablation. The normalisation mirrors kl_div_score.
/// </summary>
public sealed record EmbeddingPreservationMetrics
{
    /// <summary>(D_ablation - D_sae) / D_ablation; NaN when D_ablation is 0.</summary>
    public double CosineScore { get; init; }
    /// <summary>D_sae: mean cosine distance between the original and the SAE-spliced embeddings.</summary>
    public double CosineDistanceWithSae { get; init; }
    /// <summary>D_ablation: mean cosine distance between the original and the zero-ablated embeddings.</summary>
    public double CosineDistanceWithAblation { get; init; }
    /// <summary>Contexts (pooled embeddings) averaged over.</summary>
    public long Contexts { get; init; }

    /// <summary>Builds the record from the mean distances, computing the score.</summary>
    public static EmbeddingPreservationMetrics FromRaw(double distanceSae, double distanceAblation, long contexts) => new()
    {
        CosineDistanceWithSae = distanceSae,
        CosineDistanceWithAblation = distanceAblation,
        CosineScore = distanceAblation == 0 ? double.NaN : (distanceAblation - distanceSae) / distanceAblation,
        Contexts = contexts,
    };
}
