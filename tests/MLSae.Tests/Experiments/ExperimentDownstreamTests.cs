using System.Text.Json;
using MLSae.Activations;
using MLSae.Runs.Experiments;
using MLSae.Evaluation.Preservation;
using MLSae.Persistence;
using MLSae.Scoring;

namespace MLSae.Tests.Experiments;

/// <summary>An experiment extracting MiniLM activations from text also measures downstream preservation on the corpus's last documents.</summary>
public class ExperimentDownstreamTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public void TextSourceRunsGetEmbeddingPreservation_EqualToTheEvaluatorOnTheLastDocuments()
    {
        var dir = RepoPaths.NewTempDir("mlsae-exp-downstream");
        var corpus = Path.Combine(dir, "corpus.txt");
        // Paragraphs of Moby-Dick: blank-line separated documents.
        var paragraphs = File.ReadAllText(RepoPaths.MobyDick).Split("\n\n")
            .Select(p => p.Trim()).Where(p => p.Length > 80).Take(120).ToList();
        File.WriteAllText(corpus, string.Join("\n\n", paragraphs));
        const string hook = "blocks.0.hook_resid_post";
        var json = $$"""
        {
          "name": "downstream",
          "source": { "model": "minilm-l6", "hook": "{{hook}}", "text": "corpus.txt", "maxTokens": 3000, "context": 64, "heldOutFraction": 0.2 },
          "seeds": [1],
          "defaults": {
            "train": { "Expansion": 1, "BatchSize": 128, "Steps": 20, "WarmupSteps": 5, "LogEvery": 10, "CheckpointEvery": 0, "InitSampleRows": 256 },
            "eval": { "prefixCurves": false, "downstreamTokens": 300 }
          },
          "runs": [ { "name": "control", "train": { "Ordering": { "Strategy": "none" } } } ]
        }
        """;
        var experiment = ExperimentFile.Parse(json, "downstream.json", dir);
        var outDir = Path.Combine(dir, "out");
        new ExperimentRunner(experiment, outDir, new ExperimentRunnerOptions { Report = false }).Run();

        var run = Path.Combine(outDir, ExperimentRunner.RunsFolder, "control", "seed-1");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, RunFolder.Eval)));
        var behavior = doc.RootElement.GetProperty("eval_result_metrics").GetProperty("model_behavior_preservation");
        double written = behavior.GetProperty("embedding_cosine_score").GetDouble();

        var last = CorpusReader.Read(corpus).TakeLast(ExperimentDefaults.DownstreamDocuments).ToList();
        using var evaluator = new DownstreamPreservationEvaluator(ModelSources.Resolve("minilm-l6"), hook, SaeLoader.Load(run),
            new DownstreamPreservationOptions { ContextLength = 64, MaxTokens = 300 });
        var expected = evaluator.Evaluate(last).Embedding!;
        Assert.Equal(expected.CosineScore, written, 9);
        Assert.InRange(written, -1, 1);
    }
}
