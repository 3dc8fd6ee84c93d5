using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Transforms;

namespace MLSae.Tests.Transforms;

public class FlattenActivationsTests
{
    sealed class DocumentRow
    {
        public string Label = "";
        [VectorType] public float[] Activations = [];
        public int ActivationsTokenCount;
        [VectorType] public int[] ActivationsTokenIds = [];
    }

    /// <summary>Documents shaped like ExtractActivations' output; token t of document i has values 1000 i + 10 t + j / 10 and id 100 i + t.</summary>
    public static (IDataView, int[] Tokens) PerDocumentView(MLContext ml, int documents, int d)
    {
        var tokens = Enumerable.Range(0, documents).Select(i => i % 4 == 2 ? 0 : 1 + i % 5).ToArray();   // some empty documents
        var rows = Enumerable.Range(0, documents).Select(i => new DocumentRow
        {
            Label = $"doc{i}",
            Activations = Enumerable.Range(0, tokens[i] * d).Select(k => 1000f * i + 10 * (k / d) + (k % d) / 10f).ToArray(),
            ActivationsTokenCount = tokens[i],
            ActivationsTokenIds = Enumerable.Range(0, tokens[i]).Select(t => 100 * i + t).ToArray(),
        }).ToArray();
        return (ml.Data.LoadFromEnumerable(rows), tokens);
    }

    [Fact]
    public void OneRowPerToken_WithIdsDocumentPositionAndRepeatedColumns()
    {
        const int d = 3;
        var ml = new MLContext(seed: 1);
        var (docs, tokens) = PerDocumentView(ml, 9, d);
        var flat = ml.Transforms.FlattenActivations().Fit(docs);
        Assert.Equal(d, flat.Dimension);
        var view = flat.Transform(docs);
        Assert.Equal(d, ((VectorDataViewType)view.Schema["Activation"].Type).Size);
        Assert.Null(view.Schema.GetColumnOrNull("Activations"));
        Assert.Null(view.Schema.GetColumnOrNull("ActivationsTokenIds"));

        var acts = TrainSaeTestData.Column(view, "Activation");
        var ids = view.GetColumn<int>("TokenId").ToArray();
        var docIds = view.GetColumn<long>("DocumentId").ToArray();
        var pos = view.GetColumn<int>("Position").ToArray();
        var labels = view.GetColumn<ReadOnlyMemory<char>>("Label").Select(l => l.ToString()).ToArray();
        int row = 0;
        for (int i = 0; i < tokens.Length; i++)
            for (int t = 0; t < tokens[i]; t++, row++)
            {
                Assert.Equal(Enumerable.Range(0, d).Select(j => 1000f * i + 10 * t + j / 10f), acts[row]);
                Assert.Equal((100 * i + t, (long)i, t, $"doc{i}"), (ids[row], docIds[row], pos[row], labels[row]));
            }
        Assert.Equal(tokens.Sum(), row);
        Assert.Equal(row, acts.Length);

        // ML.NET's in-memory cache (AppendCacheCheckpoint) can hold the token rows.
        var cached = ml.Data.Cache(view);
        Assert.Equal(acts, TrainSaeTestData.Column(cached, "Activation"));
        Assert.Equal(acts, TrainSaeTestData.Column(cached, "Activation"));
    }

    [Fact]
    public void OutputSchemaShapeMatchesTheTransformedSchema()
    {
        var ml = new MLContext(seed: 1);
        var (docs, _) = PerDocumentView(ml, 5, 4);
        var estimator = ml.Transforms.FlattenActivations();
        var shape = estimator.GetOutputSchema(TrainSaeTestData.Shape(docs.Schema));
        var actual = estimator.Fit(docs).Transform(docs).Schema;
        Assert.Equal(actual.Select(c => c.Name).Order(), shape.Select(c => c.Name).Order());
        var a = Assert.Single(shape, s => s.Name == "Activation");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, a.Kind);
    }

    [Fact]
    public void BadInputsSayWhatIsWrong()
    {
        var ml = new MLContext(seed: 1);
        var (docs, _) = PerDocumentView(ml, 5, 4);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.FlattenActivations(inputColumnName: "Acts").Fit(docs));
        Assert.Contains("'Acts' not found", missing.Message);
        var wrong = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.FlattenActivations(inputColumnName: "Label").Fit(docs));
        Assert.Contains("'Label'", wrong.Message);
        // A declared d that does not divide a document's values fails when the document is read, naming the column.
        var view = ml.Transforms.FlattenActivations(dimension: 3).Fit(docs).Transform(docs);
        var e = Assert.Throws<InvalidDataException>(() => TrainSaeTestData.Column(view, "Activation"));
        Assert.Contains("'Activations'", e.Message);
        Assert.Contains("d = 3", e.Message);
    }
}
