using System.Text.Json;
using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Evaluation;
using MLSae.Evaluation.Absorption;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;

namespace MLSae.Tests.Evaluation.Absorption;

/// <summary>`mlsae eval --absorption` writes eval.json's absorption group equal to the evaluator run directly.</summary>
public class EvalCommandAbsorptionTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public void EvalWithAbsorption_WritesTheMeanGroup_EqualToTheEvaluatorRunDirectly()
    {
        var dir = RepoPaths.NewTempDir();
        var cacheDir = Path.Combine(dir, "cache");
        const string hook = "blocks.3.hook_resid_post";
        Assert.Equal(0, ExtractCommand.Create().Parse(["--model", MiniLmResources.Name, "--hook", hook, "--data", RepoPaths.MobyDick,
            "--context", "32", "--max-tokens", "200", "--cpu", "--out", cacheDir]).Invoke());
        var sae = Reference.RandomWeights(MiniLmResources.HiddenSize, 48, SaeActivation.ReLU, seed: 23);
        var run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        SaeOnnx.Save(sae, Path.Combine(run, RunFolder.Sae));

        // Model and hook come from the cache's manifest.
        int rc = EvalCommand.Run(new EvalCommand.EvalArguments(run, cacheDir, null, null, "label", "text", null, 0, 256, 0, Seed: 7,
            Absorption: true, AbsorptionWords: 400));
        Assert.Equal(0, rc);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, RunFolder.Eval)));
        var mean = doc.RootElement.GetProperty("eval_result_metrics").GetProperty("absorption").GetProperty("mean");
        var expected = new AbsorptionEvaluator(new AbsorptionEvaluatorOptions { MaxWords = 400, Seed = 7 })
            .Evaluate(ModelSources.Resolve(MiniLmResources.Name), hook, sae).Metrics;
        Assert.Equal(expected.MeanAbsorptionFractionScore, mean.GetProperty("mean_absorption_fraction_score").GetDouble(), 9);
        Assert.Equal(expected.MeanFullAbsorptionScore, mean.GetProperty("mean_full_absorption_score").GetDouble(), 9);
        Assert.InRange(mean.GetProperty("mean_absorption_fraction_score").GetDouble(), 0, 1);
    }
}
