using MLSae.Models;
using MLSae.Activations;
using MLSae.Evaluation;
using MLSae.Evaluation.Features;

namespace MLSae.Tests.Evaluation;

public class FeatureTableTests
{
    [Fact]
    public void Builder_KeepsTopRows_FrequencyAndMean_AcrossBatches()
    {
        // 3 features, 6 rows. Feature 0: 1, 5, 0, 5, 2, 0 -> top-2 rows 1 and 3 (tie: earlier first), freq 4/6, mean 13/4.
        // Feature 1 never fires. Feature 2 fires on row 5 only.
        float[] codes =
        [
            1, 0, 0,
            5, 0, 0,
            0, 0, 0,
            5, 0, 0,
            2, 0, 0,
            0, 0, 7,
        ];
        var b = new FeatureTableBuilder(3, topExamples: 2);
        b.Observe(codes.AsSpan(0, 9), 3, 0);
        b.Observe(codes.AsSpan(9, 9), 3, 3);
        var t = b.Build();
        Assert.Equal(6, t.Rows);
        Assert.Equal(4 / 6.0, t.Features[0].Frequency, 12);
        Assert.Equal(13 / 4.0, t.Features[0].MeanActivation, 12);
        Assert.Equal([new FeatureExample(1, 5), new FeatureExample(3, 5)], t.Features[0].Top);
        Assert.Empty(t.Features[1].Top);
        Assert.Equal(0, t.Features[1].Frequency);
        Assert.Equal([new FeatureExample(5, 7)], t.Features[2].Top);
    }

    [Fact]
    public void Context_StaysInsideTheDocument_AndMarksTheToken()
    {
        // Rows 0-2 are document 0, rows 3-5 document 1.
        var meta = new InMemoryTokenMetadata([10, 11, 12, 13, 14, 15], [0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]);
        Assert.Equal("[[t13]] t14 t15", FeatureTable.Context(meta, 3, 2, id => "t" + id));
        Assert.Equal("t10 [[t11]] t12", FeatureTable.Context(meta, 1, 2, id => "t" + id));
    }

    [Fact]
    public void Evaluator_FeedsTheBuilder_SameCountsAsMetrics()
    {
        const int d = 5, m = 8, n = 37;
        var w = Reference.RandomWeights(d, m, MLSae.Models.SaeActivation.ReLU, 50);
        var x = Reference.Random(n * d, 51, 1.0);
        var builder = new FeatureTableBuilder(m, 3);
        var metrics = new MetricsEvaluator(new MetricsEvaluatorOptions { BatchSize = 10 })
            .Evaluate(new InMemoryActivationSource(x, d), new SaeCpuForward(w), builder);
        var table = builder.Build();
        for (int i = 0; i < m; i++)
        {
            Assert.Equal(metrics.FeatureFrequencies[i], table.Features[i].Frequency, 12);
            Assert.Equal(metrics.FeatureMeanActivations[i], table.Features[i].MeanActivation, 9);
            // Independent: the strongest row of feature i from the definition.
            var best = Enumerable.Range(0, n).Select(r => (r, f: Reference.Forward(w, x.AsSpan(r * d, d)).F[i]))
                .Where(p => p.f > 0).OrderByDescending(p => p.f).ThenBy(p => p.r).FirstOrDefault();
            if (table.Features[i].Top.Length > 0) Assert.Equal(best.r, table.Features[i].Top[0].Row);
        }
    }
}
