using Microsoft.ML;
using MLSae.Evaluation.Concepts;
using static MLSae.Tests.Evaluation.Concepts.PlantedConcepts;

namespace MLSae.Tests.Evaluation.Concepts;

/// <summary>SCR and TPP on planted concepts: the planted latents remove the concept, random latents do not.</summary>
public class ScrTppTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static readonly int[] AllDims = [.. Enumerable.Range(0, D)];
    static readonly int[] NoiseDims = [.. Enumerable.Range(4, D - 4)];

    [Fact]
    public void Scr_IsNearOneWithThePlantedSpuriousLatentsAblated_AndNearZeroWithARandomSae()
    {
        var (x, labels) = ScrTexts(300, seed: 1);
        var options = new ScrOptions { NValues = [2], TrainSetSize = 400, TestSetSize = 200 };
        // Latents 0, 1 = +-e1 (B), 2, 3 = +-e0 (A); the rest random over the noise dims.
        // The planted case goes through the catalog, as an ML.NET user calls it (it runs ScrEvaluator).
        var planted = new MLContext(seed: 0).SaeEvaluation().EvaluateScr(Data(x, labels, Decoder([(1, 1), (1, -1), (0, 1), (0, -1)], [.. Enumerable.Range(2, D - 2)], 3)), "a", "b", options);
        var random = new ScrEvaluator(options).Evaluate(Data(x, labels, Decoder([], AllDims, 4)), "a", "b");

        output.WriteLine($"SCR planted {planted.Metric[2]:F3} (biased {planted.Dir1.OriginalAccuracy:F3}, oracle {planted.Dir1.OracleAccuracy:F3}, ablated {planted.Dir1.AblatedAccuracy[2]:F3}); random {random.Metric[2]:F3}");
        Assert.Equal(1, planted.MetricDirection);   // the biased probe leans on B (the stronger signal), so it is worse on A
        Assert.Equal([0, 1], planted.Dir1.Latents[2].Order());
        Assert.True(planted.Dir1.OracleAccuracy - planted.Dir1.OriginalAccuracy > 0.2, $"biased {planted.Dir1.OriginalAccuracy:F3} vs oracle {planted.Dir1.OracleAccuracy:F3}");
        Assert.InRange(planted.Metric[2], 0.9, 1.1);
        Assert.InRange(random.Metric[2], -0.1, 0.25);
    }

    [Fact]
    public void Tpp_DropsOnlyTheTargetedProbeWithPlantedLatents_AndNothingWithARandomSae()
    {
        var (x, labels) = TppTexts(200, seed: 2);
        var options = new TppOptions { NValues = [1], TrainSetSize = 200, TestSetSize = 100 };
        var planted = new MLContext(seed: 0).SaeEvaluation().EvaluateTpp(Data(x, labels, Decoder([(0, 1), (1, 1), (2, 1), (3, 1)], NoiseDims, 5)), "genre", options);   // through the catalog
        var random = new TppEvaluator(options).Evaluate(Data(x, labels, Decoder([], AllDims, 6)), "genre");

        output.WriteLine($"TPP planted total {planted.TotalMetric[1]:F3} (intended {planted.IntendedDiff[1]:F3}, unintended {planted.UnintendedDiff[1]:F3}); random total {random.TotalMetric[1]:F3}");
        foreach (var c in planted.Classes) Assert.Equal([int.Parse(c.Class[^1..])], c.Latents[1]);
        Assert.True(planted.IntendedDiff[1] > 0.3, $"intended {planted.IntendedDiff[1]:F3}");
        Assert.InRange(planted.UnintendedDiff[1], -0.06, 0.06);   // class i texts lose their signal as negatives of the other probes too
        Assert.InRange(random.TotalMetric[1], -0.05, 0.1);
        Assert.True(planted.TotalMetric[1] > random.TotalMetric[1] + 0.25);
    }
}
