using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Transforms;
using Xunit.Abstractions;
using static MLSae.Tests.Transforms.TrainSaeTestData;

namespace MLSae.Tests.Transforms;

/// <summary>Per-document activations -> FlattenActivations -> ReorderSaeFeatures(TrainSae) as one ML.NET pipeline.</summary>
public class PipelineTests(ITestOutputHelper output)
{
    sealed class DocumentRow
    {
        public string Text = "";
        [VectorType] public float[] Activations = [];
        public int ActivationsTokenCount;
    }

    /// <summary>Documents of 1-8 tokens cut from the synthetic rows, shaped like ExtractActivations' output.</summary>
    static (IDataView View, float[] Tokens) Documents(MLContext ml, int rows, int seed)
    {
        var x = Mixtures(rows, seed);
        var r = new Random(seed);
        var docs = new List<DocumentRow>();
        for (int t = 0; t < rows;)
        {
            int n = Math.Min(rows - t, 1 + r.Next(8));
            docs.Add(new DocumentRow { Text = $"doc {docs.Count}", Activations = x[(t * D)..((t + n) * D)], ActivationsTokenCount = n });
            t += n;
        }
        return (ml.Data.LoadFromEnumerable(docs), x);
    }

    [Fact]
    public void FitsOnPerDocumentActivations_ScoresTokens_WithFeaturesSortedByFrequency_AndTheSaeStepSavesAndLoads()
    {
        var ml = new MLContext(seed: 1);
        var (docs, x) = Documents(ml, 2048, seed: 5);
        var pipeline = ml.Transforms.FlattenActivations()
            .AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.ReorderSaeFeatures(
                ml.Transforms.TrainSae(new TrainSaeOptions { Training = SmallTraining(steps: 200) }),
                new SaeReorderOptions { By = FeatureOrderKey.Frequency }));
        using var model = pipeline.Fit(docs);
        var sae = model.LastTransformer;
        var w = sae.Weights;
        int n = x.Length / D, m = w.FeatureCount;

        // Token rows in document order carry codes equal to the double forward of the reordered SAE.
        var scored = model.Transform(docs);
        var features = Column(scored, "Features");
        Assert.Equal(n, features.Length);
        var fires = new int[m];
        double max = 0;
        for (int t = 0; t < n; t++)
        {
            var (f, _) = Forward(w, x.AsSpan(t * D, D));
            for (int i = 0; i < m; i++)
            {
                max = Math.Max(max, Math.Abs(features[t][i] - f[i]));
                if (f[i] > 0) fires[i]++;
            }
        }
        Assert.True(max <= 1e-5, $"pipeline codes differ from the double forward by {max:E2}");
        for (int i = 1; i < m; i++) Assert.True(fires[i - 1] >= fires[i], $"feature {i} fires on {fires[i]} tokens, feature {i - 1} on {fires[i - 1]}");
        Assert.Equal(Enumerable.Range(0, m), w.Info.OriginalIndices!.Order());
        Assert.Equal(-1, Assert.Single(w.Info.Permutations).Step);   // the post-hoc reorder
        output.WriteLine($"{n} tokens in {docs.GetRowCount()} documents; most frequent feature fires on {fires[0]} tokens, least on {fires[^1]}");

        // The flatten step cannot be saved (one-to-many); the SAE step is saved with the token-row schema.
        var tokenRows = model.Take(2).Aggregate(docs, (v, t) => t.Transform(v));
        var path = Path.Combine(RepoPaths.NewTempDir(), "sae.zip");
        Assert.Throws<NotSupportedException>(() => ml.Model.Save(model, docs.Schema, Path.Combine(Path.GetDirectoryName(path)!, "all.zip")));
        ml.Model.Save(sae, tokenRows.Schema, path);
        var fresh = new MLContext(seed: 2);
        var loaded = fresh.Model.Load(path, out _);
        try
        {
            var again = Column(loaded.Transform(fresh.Transforms.FlattenActivations().Fit(docs).Transform(docs)), "Features");
            double diff = 0;
            for (int t = 0; t < n; t++) for (int i = 0; i < m; i++) diff = Math.Max(diff, Math.Abs(again[t][i] - features[t][i]));
            Assert.True(diff <= 1e-6, $"loaded SAE differs by {diff:E2}");
            Assert.Equal(w.Info.OriginalIndices, SaeModelFile.Read(path).Info.OriginalIndices);
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    sealed class TextRow
    {
        public string Text = "";
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void TextToMiniLmToTrainSaeToReorder_FitsSavesAndLoads()
    {
        var path = RepoPaths.BrownExcerpt;
        var texts = File.ReadLines(path).Take(24).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!)
            .Select(t => t.Length > 300 ? t[..300] : t).ToArray();
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(texts[..20].Select(t => new TextRow { Text = t }));
        var test = ml.Data.LoadFromEnumerable(texts[20..].Select(t => new TextRow { Text = t }));
        var pipeline = ml.Transforms.ExtractActivations(hook: "blocks.3.hook_resid_pre")
            .Append(ml.Transforms.FlattenActivations())
            .AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.ReorderSaeFeatures(ml.Transforms.TrainSae(new TrainSaeOptions
            {
                Training = new MLSae.Training.SaeTrainingOptions
                {
                    Architecture = MLSae.Models.SaeArchitecture.Standard, FeatureCount = 256, Steps = 40, BatchSize = 128, WarmupSteps = 5, SparsityWarmupSteps = 10, InitSampleRows = 512, LogEvery = 20, CheckpointEvery = 0,
                },
                ModelName = "minilm-l6", HookName = "blocks.3.hook_resid_pre",
            })));
        using var model = pipeline.Fit(train);
        var w = model.LastTransformer.Weights;
        Assert.Equal((384, 256), (w.InputDim, w.FeatureCount));

        var prefix = new TransformerChain<ITransformer>(model.Take(model.Count() - 1).ToArray());
        var tokens = prefix.Transform(test);
        var features = Column(model.LastTransformer.Transform(tokens), "Features");
        var acts = Column(tokens, "Activation");
        Assert.True(features.Length > 20, $"only {features.Length} test tokens");
        double max = 0;
        for (int t = 0; t < acts.Length; t++)
        {
            var (f, _) = Forward(w, acts[t]);
            for (int i = 0; i < f.Length; i++) max = Math.Max(max, Math.Abs(features[t][i] - f[i]) / Math.Max(1, Math.Abs(f[i])));
        }
        Assert.True(max <= 1e-4, $"codes differ from the double forward by {max:E2}");

        var zip = Path.Combine(RepoPaths.NewTempDir(), "sae.zip");
        ml.Model.Save(model.LastTransformer, tokens.Schema, zip);
        var loaded = new MLContext(seed: 3).Model.Load(zip, out _);
        try
        {
            var again = Column(loaded.Transform(tokens), "Features");
            double diff = 0;
            for (int t = 0; t < features.Length; t++) for (int i = 0; i < 256; i++) diff = Math.Max(diff, Math.Abs(again[t][i] - features[t][i]));
            Assert.True(diff <= 1e-6, $"loaded SAE differs by {diff:E2}");
            var info = SaeModelFile.Read(zip).Info;
            Assert.Equal("minilm-l6", info.ModelName);
            Assert.Equal(w.Info.OriginalIndices, info.OriginalIndices);
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }
}
