using System.Text.Json;
using MLSae.Evaluation;
using MLSae.Evaluation.Probing;
using MLSae.Persistence;

namespace MLSae.Tests.Evaluation;

public class EvalJsonTests
{
    [Fact]
    public void EvalJson_HasSaeBenchGroups_AndNullForUnmeasured()
    {
        var metrics = new SaeMetrics
        {
            Tokens = 100, Mse = 0.5, MseLegacy = 0.125, ExplainedVariance = 0.9, ExplainedVarianceLegacy = 0.8, CosineSimilarity = double.NaN,
            L0 = 12, L1 = 3, FracAlive = 0.75, FeatureFrequencies = [0.1, 0], FeatureMeanActivations = [2, 0],
            DensityHistogram = new DensityHistogram(-8, 0.25, [1, 2]),
        };
        var probing = new SparseProbingResult
        {
            Tasks = [new ProbeTaskResult { Name = "a vs rest", LlmTestAccuracy = 0.9, SaeTestAccuracy = double.NaN }],
            LlmTestAccuracy = 0.9, SaeTestAccuracy = double.NaN,
            LlmTopK = new Dictionary<int, double> { [1] = 0.6 }, SaeTopK = new Dictionary<int, double> { [1] = 0.7 },
            Options = new SparseProbingOptions(),
        };
        var path = Path.Combine(RepoPaths.NewTempDir(), "out", RunFolder.Eval);
        EvalJsonWriter.Write(path, new EvalReport { Core = metrics, SparseProbing = probing, EvalId = "id-1", Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1234) });

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal("core", root.GetProperty("eval_type_id").GetString());
        Assert.Equal("id-1", root.GetProperty("eval_id").GetString());
        Assert.Equal(1234, root.GetProperty("datetime_epoch_millis").GetInt64());
        var r = root.GetProperty("eval_result_metrics");
        foreach (var g in new[] { "model_behavior_preservation", "model_performance_preservation", "reconstruction_quality", "shrinkage", "sparsity", "token_stats", "misc_metrics" })
            Assert.Equal(JsonValueKind.Object, r.GetProperty(g).ValueKind);
        Assert.Equal(0.9, r.GetProperty("reconstruction_quality").GetProperty("explained_variance").GetDouble());
        Assert.Equal(0.5, r.GetProperty("reconstruction_quality").GetProperty("mse").GetDouble());
        Assert.Equal(0.125, r.GetProperty("reconstruction_quality").GetProperty("mse_legacy").GetDouble());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("reconstruction_quality").GetProperty("cossim").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("model_behavior_preservation").GetProperty("kl_div_score").ValueKind);
        Assert.Equal(100, r.GetProperty("token_stats").GetProperty("total_tokens_eval_reconstruction").GetInt64());
        Assert.Equal(0.7, r.GetProperty("sparse_probing").GetProperty("sae").GetProperty("sae_top_1_test_accuracy").GetDouble());
        Assert.Equal(0.6, r.GetProperty("sparse_probing").GetProperty("llm").GetProperty("llm_top_1_test_accuracy").GetDouble());
        Assert.Equal(2, root.GetProperty("eval_result_details").GetArrayLength());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }
}
