using MLSae.Evaluation.Probing;

namespace MLSae.Evaluation.Absorption;

/// <summary>Per-letter absorption results and their means across letters.</summary>
public static class AbsorptionAggregator
{
    /// <summary>One letter's result.</summary>
    /// <param name="Letter">The letter.</param>
    /// <param name="MainLatents">Its main (split) latents.</param>
    /// <param name="Words">Per-word scores (SAEBench scores the words the letter probe gets right).</param>
    public sealed record LetterResult(string Letter, int[] MainLatents, IReadOnlyList<WordAbsorption> Words)
    {
        /// <summary>Mean absorption fraction over the words (0 with no words).</summary>
        public double MeanAbsorptionFraction => Words.Count == 0 ? 0 : Words.Average(w => w.AbsorptionFraction);
        /// <summary>Fraction of words fully absorbed.</summary>
        public double FullAbsorptionRate => Words.Count == 0 ? 0 : Words.Count(w => w.IsFullAbsorption) / (double)Words.Count;
    }

    /// <summary>Means and sample standard deviations (n - 1) over letters; standard deviations are NaN for a single letter.</summary>
    public static AbsorptionMetrics Summarize(IReadOnlyList<LetterResult> letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        if (letters.Count == 0) throw new ArgumentException("No letters were scored.", nameof(letters));
        var frac = letters.Select(l => l.MeanAbsorptionFraction).ToArray();
        var full = letters.Select(l => l.FullAbsorptionRate).ToArray();
        var split = letters.Select(l => (double)l.MainLatents.Length).ToArray();
        return new AbsorptionMetrics
        {
            MeanAbsorptionFractionScore = frac.Average(), StdDevAbsorptionFractionScore = SampleStd(frac),
            MeanFullAbsorptionScore = full.Average(), StdDevFullAbsorptionScore = SampleStd(full),
            MeanNumSplitFeatures = split.Average(), StdDevNumSplitFeatures = SampleStd(split),
        };
    }

    static double SampleStd(double[] v)
    {
        if (v.Length < 2) return double.NaN;
        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
    }

    /// <summary>
    /// Main latents of one letter by k-sparse probing on SAE codes: rank latents by
    /// |mean(letter) - mean(other)| on <paramref name="train"/>, fit probes on the top k = 1, 2, ...
    /// and keep growing k while test F1 rises by more than <see cref="AbsorptionOptions.FeatureSplitF1Jump"/>
    /// (SAEBench ranks by an L1 probe's weights instead; the F1-jump rule is the same).
    /// </summary>
    public static int[] SelectMainLatents(float[] codes, int featureCount, bool[] isLetter, int[] train, int[] test,
        AbsorptionOptions options, double l2 = SparseProbingDefaults.L2)
    {
        var ranking = SparseProbingEvaluator.RankByMeanDifference(codes, featureCount, train, isLetter);
        int maxK = Math.Min(options.MaxMainLatents, featureCount);
        double previous = StandardizedProbe.Fit(codes, featureCount, ranking[..1], train, isLetter, l2).F1(codes, featureCount, test, isLetter);
        int k = 1;
        while (k < maxK)
        {
            double next = StandardizedProbe.Fit(codes, featureCount, ranking[..(k + 1)], train, isLetter, l2).F1(codes, featureCount, test, isLetter);
            if (next - previous <= options.FeatureSplitF1Jump) break;
            previous = next;
            k++;
        }
        return ranking[..k];
    }
}
