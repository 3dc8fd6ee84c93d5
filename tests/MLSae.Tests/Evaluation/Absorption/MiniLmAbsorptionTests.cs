using MLSae.Activations;
using MLSae.Evaluation.Absorption;
using MLSae.Models;

namespace MLSae.Tests.Evaluation.Absorption;

public class MiniLmAbsorptionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Integration")]
    public void PipelineRunsOnMiniLmWithConsistentCounts()
    {
        var model = ModelSources.Resolve(MiniLmResources.Name);
        int d = MiniLmResources.HiddenSize, m = 64;
        var rng = new Random(11);
        float[] Rand(int n, double s) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * s)).ToArray();
        var sae = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, d, m, Rand(m * d, 0.1), Rand(m, 0.1), Rand(m * d, 0.1), new float[d]);
        var options = new AbsorptionEvaluatorOptions { MaxWords = 240, IclExamples = 3, Letters = "acst" };
        var r = new AbsorptionEvaluator(options).Evaluate(model, "blocks.3.hook_resid_post", sae);
        output.WriteLine($"words {r.Words} probe acc {r.ProbeTestAccuracy:F3} frac {r.Metrics.MeanAbsorptionFractionScore:F3} full {r.Metrics.MeanFullAbsorptionScore:F3} split {r.Metrics.MeanNumSplitFeatures:F2}");

        Assert.InRange(r.Words, 200, 240);                 // a few words may be split inside the prompt
        Assert.Equal(r.Words, r.TrainWords + r.TestWords);
        Assert.InRange(r.ProbeTestAccuracy, 0, 1);
        Assert.Equal("acst", string.Concat(r.Letters.Select(l => l.Letter)));
        Assert.True(r.Letters.Sum(l => l.TrainWords) <= r.TrainWords);
        var scored = r.Letters.Where(l => l.ProbeTruePositives > 0).ToArray();
        Assert.NotEmpty(scored);
        foreach (var l in r.Letters)
        {
            Assert.InRange(l.ProbeTruePositives, 0, l.TestWords);
            Assert.InRange(l.FullAbsorptionCount, 0, l.ProbeTruePositives);
            Assert.InRange(l.MeanAbsorptionFraction, 0, 1);
            Assert.InRange(l.FullAbsorptionRate, 0, 1);
            if (l.ProbeTruePositives > 0) Assert.InRange(l.MainLatents.Length, 1, AbsorptionDefaults.MaxMainLatents);
        }
        // The summary is the plain mean over scored letters.
        Assert.Equal(scored.Average(l => l.MeanAbsorptionFraction), r.Metrics.MeanAbsorptionFractionScore, 12);
        Assert.Equal(scored.Average(l => l.FullAbsorptionRate), r.Metrics.MeanFullAbsorptionScore, 12);
        Assert.Equal(scored.Average(l => (double)l.MainLatents.Length), r.Metrics.MeanNumSplitFeatures, 12);
        Assert.InRange(r.Metrics.MeanAbsorptionFractionScore, 0, 1);
        Assert.InRange(r.Metrics.MeanFullAbsorptionScore, 0, 1);
    }
}
