namespace MLSae.Evaluation.Absorption;

/// <summary>One letter's absorption details (SAEBench's eval_result_details row).</summary>
/// <param name="Letter">The letter.</param>
/// <param name="TrainWords">Training words starting with it.</param>
/// <param name="TestWords">Test words starting with it.</param>
/// <param name="ProbeTruePositives">Test words of this letter the letter probe accepts (logit &gt; 0): the words scored.</param>
/// <param name="MainLatents">Its main (split) latents from k-sparse probing on SAE codes.</param>
/// <param name="MeanAbsorptionFraction">Mean absorption fraction over the scored words.</param>
/// <param name="FullAbsorptionCount">Scored words fully absorbed.</param>
public sealed record LetterAbsorption(char Letter, int TrainWords, int TestWords, int ProbeTruePositives, int[] MainLatents,
    double MeanAbsorptionFraction, int FullAbsorptionCount)
{
    /// <summary>FullAbsorptionCount / ProbeTruePositives (0 with none).</summary>
    public double FullAbsorptionRate => ProbeTruePositives == 0 ? 0 : (double)FullAbsorptionCount / ProbeTruePositives;
}

/// <summary>What <see cref="AbsorptionEvaluator"/> measured.</summary>
public sealed record AbsorptionResult
{
    /// <summary>Means and standard deviations over the letters that had scored words (eval.json's absorption.mean).</summary>
    public required AbsorptionMetrics Metrics { get; init; }
    /// <summary>Per letter, in the order evaluated; letters without scored words are listed with zero counts and left out of <see cref="Metrics"/>.</summary>
    public required IReadOnlyList<LetterAbsorption> Letters { get; init; }
    /// <summary>Words in the task (after sampling and dropping words whose prompt splits them).</summary>
    public int Words { get; init; }
    /// <summary>Training words.</summary>
    public int TrainWords { get; init; }
    /// <summary>Test words.</summary>
    public int TestWords { get; init; }
    /// <summary>Accuracy of the letter probe (largest logit) on the test words, over the evaluated letters.</summary>
    public double ProbeTestAccuracy { get; init; }
}
