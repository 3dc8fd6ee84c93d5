using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;
using MLSae.Onnx;

namespace MLSae.Tests.Activations;

public class ActivationExtractorEstimatorTests
{
    sealed class Doc
    {
        public string Text { get; set; } = "";
        public float Label { get; set; }
    }

    sealed class Out
    {
        public string Text { get; set; } = "";
        [VectorType] public float[] Activations { get; set; } = [];
        public int ActivationsTokenCount { get; set; }
        [VectorType] public int[] ActivationsTokenIds { get; set; } = [];
    }

    static readonly Doc[] Docs =
    [
        new() { Text = "Call me Ishmael.", Label = 1 },
        new() { Text = "", Label = 0 },
        new() { Text = "It is a way I have of driving off the spleen and regulating the circulation.", Label = 0 },
    ];

    static ActivationExtractorOptions Options => new()
    {
        Hook = "blocks.2.hook_resid_post",
        Extraction = new ExtractionOptions { ContextLength = 12, BatchSize = 4, Execution = new OnnxExecutionOptions { PreferCuda = false } },
    };

    [Fact]
    public void FitTransformGivesPerDocumentRowsEqualToTheExtractor()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Docs);
        var estimator = ml.Transforms.ExtractActivations(Options);
        using var transformer = estimator.Fit(data);
        var schema = transformer.GetOutputSchema(data.Schema);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single), schema["Activations"].Type);
        Assert.Equal(NumberDataViewType.Int32, schema["ActivationsTokenCount"].Type);
        Assert.Equal("Label", schema[1].Name);
        // Shape inference through a pipeline (the estimator's GetOutputSchema runs inside Append/Fit chains).
        using var chained = (IDisposable)ml.Transforms.CopyColumns("Copy", "Text").Append(ml.Transforms.ExtractActivations(Options with { InputColumnName = "Copy" })).Fit(data).LastTransformer;
        var rows = ml.Data.CreateEnumerable<Out>(transformer.Transform(data), reuseRowObject: false).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Empty(rows[1].Activations);
        Assert.Equal(0, rows[1].ActivationsTokenCount);

        // Reference: the bulk extractor on each document alone.
        var model = ModelSources.Resolve("minilm-l6");
        using var extractor = new ActivationExtractor(model, "blocks.2.hook_resid_post", Options.Extraction);
        foreach (var i in new[] { 0, 2 })
        {
            var sink = new InMemoryActivationSink();
            extractor.Run([new TextDocument(0, Docs[i].Text, "t")], sink);
            var expected = sink.Concatenate();
            Assert.Equal(expected.TokenIds, rows[i].ActivationsTokenIds);
            Assert.Equal(model.Tokenizer.Encode(Docs[i].Text), rows[i].ActivationsTokenIds);   // long doc spans two contexts
            Assert.Equal(expected.Rows, rows[i].ActivationsTokenCount);
            Assert.Equal(expected.Rows * 384, rows[i].Activations.Length);
            for (int k = 0; k < expected.Activations.Length; k++)
                Assert.True(Math.Abs(expected.Activations[k] - rows[i].Activations[k]) <= 1e-5, $"doc {i} element {k}");
        }

        // Flatten to token rows.
        var tokens = ml.Data.CreateEnumerable<ActivationTokenRow>(ml.Transforms.FlattenActivations(dimension: 384).Fit(transformer.Transform(data)).Transform(transformer.Transform(data)), reuseRowObject: false).ToList();
        Assert.Equal(rows.Sum(r => r.ActivationsTokenCount), tokens.Count);
        Assert.Equal(rows[2].Activations[384..768], tokens.First(t => t.DocumentId == 2 && t.Position == 1).Activation);
        Assert.Equal(rows[0].ActivationsTokenIds, tokens.Where(t => t.DocumentId == 0).Select(t => t.TokenId));
    }

    [Fact]
    public void MissingOrNonTextColumnNamesIt()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Docs);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractActivations("A", "Body").Fit(data));
        Assert.Contains("'Body'", e.Message);
        Assert.Contains("Text, Label", e.Message);
        var f = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ExtractActivations("A", "Label").Fit(data));
        Assert.Contains("text column", f.Message);
    }

    [Fact]
    public void SavingIsRefusedWithGuidance()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Docs);
        using var transformer = ml.Transforms.ExtractActivations(Options).Fit(data);
        Assert.False(((ITransformer)transformer).IsRowToRowMapper);
        var e = Assert.ThrowsAny<Exception>(() => ml.Model.Save(transformer, data.Schema, new MemoryStream()));
        Assert.Contains("ExtractActivations", e.ToString());
    }
}
