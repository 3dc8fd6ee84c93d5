using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations.Cache;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Runs;
using MLSae.Scoring;
using MLSae.Training;
using MLSae.Transforms;

namespace MLSae.Tests.Readme;

/// <summary>
/// The C# shown in README.md, compiled and run. Each region's body must equal the README block
/// marked with the same name (ReadmeSnippetTests checks), so the README cannot drift from the API.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ReadmeSnippetWorld.Collection)]
public class ReadmeSnippets
{
    [Fact]
    public void TrainInCode()
    {
        using var world = ReadmeSnippetWorld.Enter();
        #region train-in-code
        using var cache = ActivationCache.Open("activations");
        var config = new TrainRunConfig(
            new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, K = 32, Expansion = 4, Steps = 400, WarmupSteps = 50, BatchSize = 256 },
            new ReorderOptions { Strategy = ReorderStrategyKind.Once, Warmup = 200 });
        var result = TrainRun.Execute(cache, config, runDirectory: "run");
        var metrics = new MLContext(seed: 0).SaeEvaluation().Evaluate(result.Weights, cache);
        Console.WriteLine($"explained variance {metrics.ExplainedVariance:F3}, L0 {metrics.L0:F1}");
        #endregion
        Assert.True(File.Exists(Path.Combine("run", "sae.onnx")));
        Assert.True(File.Exists(Path.Combine("run", RunFolder.Stability)));   // history every 100 steps
        Assert.Single(result.Weights.Info.Permutations);
        Assert.InRange(metrics.ExplainedVariance, 0.5, 1.0);   // 8 sparse directions in d = 32 are easy
    }

    [Fact]
    public void ScoreWithMLNet()
    {
        using var world = ReadmeSnippetWorld.Enter(withRun: true);
        #region score-with-mlnet
        var mlContext = new MLContext(seed: 0);
        var data = mlContext.Data.LoadFromActivationCache("activations");   // Activation column: d floats per token
        var sae = SaeLoader.Load("run");                                     // run folder, .onnx, model zip or SAELens folder
        var model = mlContext.Transforms.ApplySae(sae).Fit(data);           // outputs Features (m) and Reconstruction (d)
        mlContext.Model.Save(model, data.Schema, "sae.zip");                 // self-contained: the ONNX graph is inside

        var loaded = mlContext.Model.Load("sae.zip", out _);
        var codes = loaded.Transform(data).GetColumn<float[]>("Features").First();
        Console.WriteLine($"{codes.Count(v => v > 0)} of {codes.Length} features fire on the first token");
        #endregion
        Assert.Equal(sae.FeatureCount, codes.Length);
        var expected = new float[sae.FeatureCount];
        var first = new float[sae.InputDim];
        using var cache = ActivationCache.Open("activations");
        cache.ReadRows(0, 1, first);
        new SaeCpuForward(sae).Encode(first, 1, expected);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], codes[i], 4);
    }

    [Fact]
    public void TextPipeline()
    {
        var mlContext = new MLContext(seed: 0);
        string[] sentences =
        [
            "Sparse autoencoders split activations into features.", "The jury praised the conduct of the election.",
            "A whale surfaced beside the ship at dawn.", "Prices rose sharply after the announcement.",
            "She read the letter twice before answering.", "The committee will meet again next Tuesday.",
            "Rain fell on the harbour all night long.", "Each feature should fire on a narrow set of tokens.",
        ];
        var texts = mlContext.Data.LoadFromEnumerable(sentences.Select(t => new TextRow { Text = t }));
        #region text-pipeline
        var pipeline = mlContext.Transforms.ExtractActivations(hook: "blocks.3.hook_resid_pre")   // per text: [tokens x d]
            .Append(mlContext.Transforms.FlattenActivations())                                 // per token: Activation [d]
            .AppendCacheCheckpoint(mlContext)                                                    // run the model once
            .Append(mlContext.Transforms.ReorderSaeFeatures(                                     // most frequent feature first
                mlContext.Transforms.TrainSae(new TrainSaeOptions
                {
                    Training = new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, K = 16, Expansion = 2, Steps = 100, BatchSize = 64 },
                })));
        using var model = pipeline.Fit(texts);                                                   // texts: IDataView with a Text column
        var firstToken = model.Transform(texts).GetColumn<float[]>("Features").First();          // m = 2 x 384 codes
        #endregion
        Assert.Equal(768, firstToken.Length);
        Assert.InRange(firstToken.Count(v => v != 0), 1, 16);   // TopK: at most k features fire
        var sae = model.LastTransformer;                       // FeatureReorderTransformer
        Assert.NotEmpty(sae.Weights.Info.Permutations);        // the post-hoc reorder is logged
    }

    sealed class TextRow
    {
        public string Text { get; set; } = "";
    }
}
