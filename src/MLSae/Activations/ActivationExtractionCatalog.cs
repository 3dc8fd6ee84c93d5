using Microsoft.ML.Data;
using MLSae.Activations;

namespace Microsoft.ML;

/// <summary>ML.NET catalog entries for activation extraction.</summary>
public static class ActivationExtractionCatalog
{
    /// <summary>
    /// Maps <paramref name="inputColumnName"/> (text) to <paramref name="hook"/>'s activations of
    /// <paramref name="model"/>: per document a [tokens x d] vector in <paramref name="outputColumnName"/>,
    /// plus <c>{output}TokenCount</c> and <c>{output}TokenIds</c>. Special tokens are excluded.
    /// </summary>
    public static ActivationExtractorEstimator ExtractActivations(this TransformsCatalog catalog,
        string outputColumnName = ActivationExtractorDefaults.OutputColumnName,
        string inputColumnName = ActivationExtractorDefaults.InputColumnName,
        string model = ActivationExtractorDefaults.Model,
        string hook = ActivationExtractorDefaults.Hook,
        int contextLength = ExtractionDefaults.ContextLength)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ActivationExtractorEstimator(new ActivationExtractorOptions
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Model = model, Hook = hook,
            Extraction = new ExtractionOptions { ContextLength = contextLength },
        });
    }

    /// <summary>The same with every setting in <paramref name="options"/>.</summary>
    public static ActivationExtractorEstimator ExtractActivations(this TransformsCatalog catalog, ActivationExtractorOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ActivationExtractorEstimator(options);
    }

    /// <summary>
    /// One row per token from the per-document output of ExtractActivations: <c>Activation</c>
    /// (d floats), <c>TokenId</c>, <c>DocumentId</c> (row index in <paramref name="perDocument"/>) and
    /// <c>Position</c> (index among the document's stored tokens). Lazy: rows stream from a cursor.
    /// </summary>
    public static IDataView FlattenActivations(this DataOperationsCatalog catalog, IDataView perDocument, int dimension,
        string activationsColumnName = ActivationExtractorDefaults.OutputColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(perDocument);
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension), "d must be positive.");
        var acts = perDocument.Schema.GetColumnOrNull(activationsColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(activationsColumnName), $"Column '{activationsColumnName}' not found; pass the output column of ExtractActivations.");
        var ids = perDocument.Schema[activationsColumnName + ActivationExtractorDefaults.TokenIdsSuffix];
        var definition = SchemaDefinition.Create(typeof(ActivationTokenRow));
        definition[nameof(ActivationTokenRow.Activation)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
        var context = new MLContext();
        return context.Data.LoadFromEnumerable(Rows(perDocument, acts, ids, dimension), definition);
    }

    static IEnumerable<ActivationTokenRow> Rows(IDataView view, DataViewSchema.Column acts, DataViewSchema.Column ids, int d)
    {
        using var cursor = view.GetRowCursor([acts, ids]);
        var getActs = cursor.GetGetter<VBuffer<float>>(acts);
        var getIds = cursor.GetGetter<VBuffer<int>>(ids);
        VBuffer<float> a = default;
        VBuffer<int> t = default;
        while (cursor.MoveNext())
        {
            getActs(ref a);
            getIds(ref t);
            var dense = a.DenseValues().ToArray();
            var tokenIds = t.DenseValues().ToArray();
            if (dense.Length != tokenIds.Length * d)
                throw new InvalidDataException($"Row {cursor.Position} holds {dense.Length} activations for {tokenIds.Length} tokens; d={d} does not fit.");
            for (int i = 0; i < tokenIds.Length; i++)
                yield return new ActivationTokenRow { Activation = dense[(i * d)..((i + 1) * d)], TokenId = tokenIds[i], DocumentId = cursor.Position, Position = i };
        }
    }
}

/// <summary>One token row of <see cref="ActivationExtractionCatalog.FlattenActivations"/>.</summary>
public sealed class ActivationTokenRow
{
    /// <summary>d activations.</summary>
    public float[] Activation { get; set; } = [];
    /// <summary>Vocabulary id.</summary>
    public int TokenId { get; set; }
    /// <summary>Row index of the document.</summary>
    public long DocumentId { get; set; }
    /// <summary>Index among the document's stored tokens.</summary>
    public int Position { get; set; }
}
