using System.Text.Json;
using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Evaluation;
using MLSae.Evaluation.Preservation;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Persistence.SafeTensors;
using static MLSae.Tests.Evaluation.Preservation.SpliceFixture;

namespace MLSae.Tests.Evaluation.Preservation;

/// <summary>`mlsae eval --data` and the eval.json groups the preservation metrics land in.</summary>
public class EvalCommandPreservationTests
{
    [Fact]
    public void EvalWithData_WritesThePreservationGroups_EqualToTheEvaluatorRunDirectly()
    {
        var (tiny, dir) = Tiny(seed: 51);
        var root = RepoPaths.NewTempDir();
        var data = Path.Combine(root, "docs.txt");
        File.WriteAllText(data, "the cat sat on the mat\n\nthe hat is on the cat\n\na dog and a cat");
        var cacheDir = Path.Combine(root, "cache");
        Assert.Equal(0, ExtractCommand.Create().Parse(["--model", "pythia:" + dir, "--hook", Hook, "--data", data, "--context", "16", "--cpu", "--out", cacheDir]).Invoke());
        var sae = Reference.RandomWeights(tiny.D, 48, SaeActivation.ReLU, seed: 19);
        var run = Path.Combine(root, "run");
        Directory.CreateDirectory(run);
        SaeOnnx.Save(sae, Path.Combine(run, RunFolder.Sae));

        // No --model / --hook / --context: all three come from the cache's manifest.
        int rc = EvalCommand.Run(new EvalCommand.EvalArguments(run, cacheDir, null, null, "label", "text", null, 0, 64, 0, 42, Data: data));
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, RunFolder.Eval)));
        var metrics = doc.RootElement.GetProperty("eval_result_metrics");
        var behavior = metrics.GetProperty("model_behavior_preservation");
        var performance = metrics.GetProperty("model_performance_preservation");

        using var evaluator = new DownstreamPreservationEvaluator(DownstreamModels.Resolve("pythia:" + dir), Hook, sae,
            new DownstreamPreservationOptions { ContextLength = 16, Execution = Cpu });
        var expected = evaluator.Evaluate(CorpusReader.Read(data));
        var lm = expected.LanguageModel!;
        Assert.Equal(lm.KlDivScore, behavior.GetProperty("kl_div_score").GetDouble(), 12);
        Assert.Equal(lm.KlDivWithSae, behavior.GetProperty("kl_div_with_sae").GetDouble(), 12);
        Assert.Equal(lm.KlDivWithAblation, behavior.GetProperty("kl_div_with_ablation").GetDouble(), 12);
        Assert.Equal(lm.CeLossScore, performance.GetProperty("ce_loss_score").GetDouble(), 12);
        Assert.Equal(lm.CeLossWithoutSae, performance.GetProperty("ce_loss_without_sae").GetDouble(), 12);
        Assert.Equal(lm.CeLossWithSae, performance.GetProperty("ce_loss_with_sae").GetDouble(), 12);
        Assert.Equal(lm.CeLossWithAblation, performance.GetProperty("ce_loss_with_ablation").GetDouble(), 12);
        Assert.False(behavior.TryGetProperty("embedding_cosine_score", out _));
        Assert.Equal(expected.Tokens, metrics.GetProperty("token_stats").GetProperty("total_tokens_eval_preservation").GetInt64());
        var config = doc.RootElement.GetProperty("eval_config").GetProperty("downstream_preservation");
        Assert.Equal("causal_lm", config.GetProperty("model_kind").GetString());
        Assert.Equal(16, config.GetProperty("context_size").GetInt32());
        Assert.True(config.GetProperty("exclude_special_tokens_from_reconstruction").GetBoolean());
    }

    [Fact]
    public void EvalWithData_WithoutAModelToRun_FailsSayingWhatToPass()
    {
        var dir = RepoPaths.NewTempDir();
        var sae = Reference.RandomWeights(4, 6, SaeActivation.ReLU, 60);
        var run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        SaeOnnx.Save(sae, Path.Combine(run, RunFolder.Sae));
        var acts = Path.Combine(dir, "acts.safetensors");
        new SafeTensorsWriter().Add("activations", Reference.Random(5 * 4, 1), [5, 4]).Save(acts);
        var data = Path.Combine(dir, "docs.txt");
        File.WriteAllText(data, "some text");
        Assert.Equal(1, EvalCommand.Run(new EvalCommand.EvalArguments(run, acts, null, null, "label", "text", null, 0, 8, 0, 42, Data: data)));
        Assert.False(File.Exists(Path.Combine(run, RunFolder.Eval)));
    }

    [Fact]
    public void EncoderMetrics_AreWrittenAsEmbeddingKeysOfModelBehaviorPreservation()
    {
        var report = new EvalReport
        {
            Core = new SaeMetrics { Tokens = 10 },
            Downstream = new DownstreamPreservationResult
            {
                Kind = DownstreamModelKind.Encoder, Embedding = EmbeddingPreservationMetrics.FromRaw(0.02, 0.5, 7), Tokens = 40, Contexts = 7,
                HookTensor = "662", OutputName = "last_hidden_state",
            },
        };
        using var stream = new MemoryStream();
        EvalJsonWriter.Write(stream, report);
        using var doc = JsonDocument.Parse(stream.ToArray());
        var metrics = doc.RootElement.GetProperty("eval_result_metrics");
        var behavior = metrics.GetProperty("model_behavior_preservation");
        Assert.Equal((0.5 - 0.02) / 0.5, behavior.GetProperty("embedding_cosine_score").GetDouble(), 12);
        Assert.Equal(0.02, behavior.GetProperty("embedding_cosine_distance_with_sae").GetDouble());
        Assert.Equal(0.5, behavior.GetProperty("embedding_cosine_distance_with_ablation").GetDouble());
        Assert.Equal(JsonValueKind.Null, behavior.GetProperty("kl_div_score").ValueKind);
        Assert.Equal(JsonValueKind.Null, metrics.GetProperty("model_performance_preservation").GetProperty("ce_loss_score").ValueKind);
        Assert.Equal(40, metrics.GetProperty("token_stats").GetProperty("total_tokens_eval_preservation").GetInt64());
        Assert.Equal("encoder", doc.RootElement.GetProperty("eval_config").GetProperty("downstream_preservation").GetProperty("model_kind").GetString());
    }
}
