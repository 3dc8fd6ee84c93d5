namespace MLSae.Evaluation.Preservation;

/// <summary>Per-token KL and cross-entropy values of one position under the three runs.</summary>
/// <param name="KlSae">KL(p_orig || p_sae).</param>
/// <param name="KlAblation">KL(p_orig || p_ablation).</param>
/// <param name="CeOriginal">-log p_orig(target); NaN without a target.</param>
/// <param name="CeSae">-log p_sae(target); NaN without a target.</param>
/// <param name="CeAblation">-log p_ablation(target); NaN without a target.</param>
internal readonly record struct TokenComparison(double KlSae, double KlAblation, double CeOriginal, double CeSae, double CeAblation);

/// <summary>
/// The definitions of <see cref="PreservationScores.KlDivergence"/> and <see cref="PreservationScores.CrossEntropy"/>
/// for the original, SAE and ablation logits of one position at once, with three exponentials per
/// vocabulary entry instead of nine: with a, b the two logit rows, KL(p_a || p_b) =
/// sum_i p_a,i (a_i - b_i) - lse(a) + lse(b), since sum_i p_a,i = 1. Double precision, max-shifted.
/// </summary>
internal static class LogitComparison
{
    public static TokenComparison Compare(ReadOnlySpan<float> original, ReadOnlySpan<float> sae, ReadOnlySpan<float> ablation, int target)
    {
        int v = original.Length;
        if (sae.Length != v || ablation.Length != v || v == 0)
            throw new ArgumentException($"Logit rows must be non-empty and equally long; got {v}, {sae.Length} and {ablation.Length}.");
        float maxA = Max(original), maxB = Max(sae), maxC = Max(ablation);
        double sumA = 0, sumB = 0, sumC = 0, dotB = 0, dotC = 0;
        for (int i = 0; i < v; i++)
        {
            double a = original[i], b = sae[i], c = ablation[i];
            double e = Math.Exp(a - maxA);
            sumA += e;
            dotB += e * (a - b);
            dotC += e * (a - c);
            sumB += Math.Exp(b - maxB);
            sumC += Math.Exp(c - maxC);
        }
        double lseA = maxA + Math.Log(sumA), lseB = maxB + Math.Log(sumB), lseC = maxC + Math.Log(sumC);
        double klB = Math.Max(0, dotB / sumA - lseA + lseB);
        double klC = Math.Max(0, dotC / sumA - lseA + lseC);
        if (target < 0) return new(klB, klC, double.NaN, double.NaN, double.NaN);
        if (target >= v) throw new ArgumentOutOfRangeException(nameof(target), target, $"Target id must be in [0, {v}).");
        return new(klB, klC, lseA - original[target], lseB - sae[target], lseC - ablation[target]);
    }

    static float Max(ReadOnlySpan<float> v)
    {
        float max = float.NegativeInfinity;
        foreach (var x in v) if (x > max) max = x;
        return max;
    }
}
