using System.Text.Json;
using MLSae.Evaluation.Concepts;
using MLSae.Evaluation.Probing;
using MLSae.Interventions;
using MLSae.Models;
using static MLSae.Tests.Evaluation.Concepts.PlantedConcepts;

namespace MLSae.Tests.Evaluation.Concepts;

/// <summary>SAEBench's SCR/TPP arithmetic and attribution against hand-worked cases, the pooled-ablation identity, and the JSON keys.</summary>
public class ConceptScoreTests
{
    [Fact]
    public void ScrAndTppArithmetic_MatchHandWorkedCases()
    {
        // (0.8 - 0.6) / (0.9 - 0.6) = 2/3; an oracle gap under 0.001 scores 0 (SAEBench), even when the ablation moved the accuracy.
        Assert.Equal(2.0 / 3, ConceptScores.Scr(0.8, 0.6, 0.9), 12);
        Assert.Equal(0, ConceptScores.Scr(0.9, 0.6, 0.6005));
        Assert.Equal(-0.5, ConceptScores.Scr(0.45, 0.6, 0.9), 12);
        Assert.Equal(1, ConceptScores.ScrMetricDirection(0.6, 0.95));
        Assert.Equal(2, ConceptScores.ScrMetricDirection(0.95, 0.6));
        Assert.Equal(0, ConceptScores.ScrMetricDirection(0.7, 0.7));
        // Class 0 ablated: intended 0.9 - 0.5 = 0.4; unintended mean(0.8 - 0.75, 0.7 - 0.7) = 0.025; total 0.375.
        var (intended, unintended, total) = ConceptScores.Tpp(0, [0.9, 0.8, 0.7], [0.5, 0.75, 0.7]);
        Assert.Equal(0.4, intended, 12);
        Assert.Equal(0.025, unintended, 12);
        Assert.Equal(0.375, total, 12);
    }

    [Fact]
    public void Attribution_MatchesAHandWorkedCase_AndTopSkipsZeroEffects()
    {
        // d = 2, m = 3; W_dec rows (1, 0), (0, 1), (1, 1); probe w = (2, -1).  dot = (2, -1, 1).
        var sae = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, 2, 3, new float[6], new float[3], [1, 0, 0, 1, 1, 1], new float[2]);
        // Pooled codes: positives (rows 0, 1) mean (2, 1, 0); negatives (rows 2, 3) mean (1, 3, 0).  diff = (1, -2, 0).
        float[] codes = [3, 1, 0, 1, 1, 0, 1, 4, 0, 1, 2, 0];
        var data = new ConceptData(new float[8], codes, [["p"], ["p"], ["n"], ["n"]], sae);
        // SCR: |diff * dot| = (2, 2, 0); TPP: max(diff, 0) * dot = (2, 0, 0).
        Assert.Equal([2.0, 2.0, 0.0], LatentAttribution.Effects(data, [2, -1], [0, 1], [2, 3], absolute: true));
        Assert.Equal([2.0, 0.0, 0.0], LatentAttribution.Effects(data, [2, -1], [0, 1], [2, 3], absolute: false));
        Assert.Equal([0, 1], LatentAttribution.Top([2, 2, 0], 3));   // only two non-zero effects
        Assert.Equal([1], LatentAttribution.Top([1, 5, -3], 1));
        Assert.Contains("m = 3", Assert.Throws<ArgumentOutOfRangeException>(() => LatentAttribution.Top([1, 2, 3], 4)).Message);
    }

    [Fact]
    public void PooledAblation_EqualsTheMeanOfPerTokenAblations()
    {
        // The identity SCR/TPP rely on: zero-ablating latents per token (SAE error kept) and mean-pooling equals ablating the pooled
        // activation with the pooled codes. Checked with a real ReLU SAE forward on random tokens, in double.
        var sae = Reference.RandomWeights(6, 20, SaeActivation.ReLU, seed: 8);
        const int tokens = 7;
        var x = Reference.Random(tokens * 6, 9, 1.5);
        var intervention = SaeIntervention.Ablate([1, 4, 7, 19]);
        var perToken = new double[6];
        var pooledCodes = new float[20];
        for (int t = 0; t < tokens; t++)
        {
            var (f, _) = Reference.Forward(sae, x.AsSpan(t * 6, 6));
            var edited = Evaluation.Interventions.EditedResidualFor(sae, x.AsSpan(t * 6, 6), f, intervention);
            for (int j = 0; j < 6; j++) perToken[j] += edited[j] / tokens;
            for (int j = 0; j < 20; j++) pooledCodes[j] += (float)(f[j] / tokens);
        }
        var pooled = ProbingDataBuilder.MeanRows(x, tokens, 6);
        intervention.Apply(sae, pooled, pooledCodes, 1);
        for (int j = 0; j < 6; j++) Assert.Equal(perToken[j], pooled[j], 5);
    }

    [Fact]
    public void Json_CarriesSaeBenchKeysForEveryN()
    {
        var (x, labels) = ScrTexts(60, seed: 3);
        var data = Data(x, labels, Decoder([(1, 1), (1, -1)], [.. Enumerable.Range(2, D - 2)], 1));
        var scr = new ScrEvaluator(new ScrOptions { NValues = [2, 5], TrainSetSize = 80, TestSetSize = 40 }).Evaluate(data, "a", "b");
        using var s = new MemoryStream();
        ConceptJsonWriter.WriteScr(s, scr, new ConceptRunInfo { DataSource = "x.jsonl", FeatureCount = M });
        var root = JsonDocument.Parse(s.ToArray()).RootElement;
        Assert.Equal("scr", root.GetProperty("eval_type_id").GetString());
        var metrics = root.GetProperty("eval_result_metrics").GetProperty("scr_metrics");
        foreach (var n in new[] { 2, 5 })
            foreach (var key in new[] { $"scr_dir1_threshold_{n}", $"scr_metric_threshold_{n}", $"scr_dir2_threshold_{n}" })
                Assert.True(metrics.TryGetProperty(key, out _), key);
        Assert.Equal(scr.Dir1.Scores[5], metrics.GetProperty("scr_dir1_threshold_5").GetDouble(), 12);
        Assert.Equal("x_scr_a+_a-_results", root.GetProperty("eval_result_details")[0].GetProperty("dataset_name").GetString());

        var (tx, tl) = TppTexts(40, seed: 4);
        var tpp = new TppEvaluator(new TppOptions { NValues = [2], TrainSetSize = 40, TestSetSize = 20 }).Evaluate(Data(tx, tl, Decoder([(0, 1)], [.. Enumerable.Range(1, D - 1)], 2)), "c");
        using var t = new MemoryStream();
        ConceptJsonWriter.WriteTpp(t, tpp, new ConceptRunInfo());
        var tm = JsonDocument.Parse(t.ToArray()).RootElement.GetProperty("eval_result_metrics").GetProperty("tpp_metrics");
        Assert.Equal(tpp.TotalMetric[2], tm.GetProperty("tpp_threshold_2_total_metric").GetDouble(), 12);
        Assert.True(tm.TryGetProperty("tpp_threshold_2_intended_diff_only", out _));
        Assert.True(tm.TryGetProperty("tpp_threshold_2_unintended_diff_only", out _));
    }

    [Fact]
    public void BadInput_GivesErrorsNamingTheColumnOrValue()
    {
        var (x, labels) = ScrTexts(60, seed: 5);
        var decoder = Decoder([], [.. Enumerable.Range(0, D)], 1);
        var small = new ScrOptions { NValues = [2], TrainSetSize = 80, TestSetSize = 40 };
        // A third value in column b.
        var three = labels.Select((l, i) => i == 0 ? new[] { l[0], "b?" } : l).ToArray();
        var e = Assert.Throws<ArgumentException>(() => new ScrEvaluator(small).Evaluate(Data(x, three, decoder), "party", "era"));
        Assert.Contains("'era'", e.Message);
        Assert.Contains("'b?'", e.Message);
        // Too few texts in a quadrant.
        e = Assert.Throws<ArgumentException>(() => new ScrEvaluator(small with { TrainSetSize = 400 }).Evaluate(Data(x, labels, decoder), "party", "era"));
        Assert.Contains("party=a+, era=b+ has 60 texts", e.Message);
        // n above m.
        Assert.Contains("n = 500 exceeds the SAE's m = 16", Assert.Throws<ArgumentOutOfRangeException>(() => new ScrEvaluator(small with { NValues = [2, 500] }).Evaluate(Data(x, labels, decoder), "a", "b")).Message);
        // Defaults drop the n values above m instead.
        Assert.Equal([2, 5, 10], ConceptEvalDefaults.Resolve(null, 16, "ScrOptions.NValues"));
        // TPP: too few texts in a class, an unknown class.
        var (tx, tl) = TppTexts(30, seed: 6);
        var tppData = Data(tx, tl, decoder);
        Assert.Contains("class 'class0' of label column 'genre' has 30 texts", Assert.Throws<ArgumentException>(() => new TppEvaluator(new TppOptions { NValues = [2] }).Evaluate(tppData, "genre")).Message);
        Assert.Contains("'romance'", Assert.Throws<ArgumentException>(() => new TppEvaluator(new TppOptions { NValues = [2], TrainSetSize = 20, TestSetSize = 10, Classes = ["class0", "romance"] }).Evaluate(tppData, "genre")).Message);
        // The reader names a missing column.
        var path = Path.Combine(RepoPaths.NewTempDir(), "texts.jsonl");
        File.WriteAllLines(path, ["{\"text\": \"hello\", \"party\": \"D\"}"]);
        Assert.Contains("'era'", Assert.Throws<FormatException>(() => ConceptTextReader.Read(path, ["party", "era"])).Message);
        var csv = Path.Combine(RepoPaths.NewTempDir(), "texts.csv");
        File.WriteAllLines(csv, ["text,party", "hello,D"]);
        Assert.Contains("no column 'era'", Assert.Throws<FormatException>(() => ConceptTextReader.Read(csv, ["party", "era"])).Message);
    }
}
