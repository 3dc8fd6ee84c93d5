using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;

namespace MLSae.Transforms;

/// <summary>
/// The transformer of <see cref="FlattenActivationsEstimator"/>: one output row per token. The
/// per-document columns (<c>{input}</c>, <c>{input}TokenCount</c>, <c>{input}TokenIds</c>) are
/// replaced by <c>{output}</c> (d floats), <c>TokenId</c> (when ids are present), <c>DocumentId</c>
/// and <c>Position</c>; every other input column is repeated on each of the document's tokens.
/// A one-to-many transform is not a row mapper, so it cannot be saved into an ML.NET zip: save the
/// steps after it (the SAE) and recreate this step when loading (see docs/pipelines.md).
/// </summary>
public sealed class FlattenActivationsTransformer : ITransformer
{
    internal FlattenActivationsTransformer(FlattenActivationsOptions options) => Options = options;

    /// <summary>Column names and d.</summary>
    public FlattenActivationsOptions Options { get; }

    /// <summary>d, floats per token.</summary>
    public int Dimension => Options.Dimension;

    /// <summary>False: one input row gives many output rows.</summary>
    public bool IsRowToRowMapper => false;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckInput(inputSchema, Options.InputColumnName);
        var dropped = DroppedColumns(Options.InputColumnName);
        var b = new DataViewSchema.Builder();
        foreach (var c in inputSchema)
            if (!c.IsHidden && !dropped.Contains(c.Name) && !OutputNames().Contains(c.Name))
                b.AddColumn(c.Name, c.Type, c.Annotations);
        b.AddColumn(Options.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, Options.Dimension));
        if (HasIds(inputSchema)) b.AddColumn(FlattenActivationsDefaults.TokenIdColumnName, NumberDataViewType.Int32);
        b.AddColumn(FlattenActivationsDefaults.DocumentIdColumnName, NumberDataViewType.Int64);
        b.AddColumn(FlattenActivationsDefaults.PositionColumnName, NumberDataViewType.Int32);
        return b.ToSchema();
    }

    /// <summary>The token rows of <paramref name="input"/> (lazy: documents are read as a cursor reaches them).</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new FlattenActivationsDataView(this, input, GetOutputSchema(input.Schema));
    }

    /// <summary>Not supported: see <see cref="IsRowToRowMapper"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("FlattenActivationsTransformer is not a row-to-row mapper (one document gives many token rows); use Transform.");

    /// <summary>Not supported: ML.NET can save only row-to-row transforms written inside ML.NET.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("FlattenActivationsTransformer cannot be saved into an ML.NET model: save the SAE step alone (e.g. model.LastTransformer) and recreate ExtractActivations + FlattenActivations when loading. See docs/pipelines.md.");

    internal bool HasIds(DataViewSchema schema) =>
        schema.GetColumnOrNull(Options.InputColumnName + ActivationExtractorDefaults.TokenIdsSuffix) is { Type: VectorDataViewType { ItemType: var t } } && t == NumberDataViewType.Int32;

    HashSet<string> OutputNames() =>
    [
        Options.OutputColumnName, FlattenActivationsDefaults.TokenIdColumnName,
        FlattenActivationsDefaults.DocumentIdColumnName, FlattenActivationsDefaults.PositionColumnName,
    ];

    internal static HashSet<string> DroppedColumns(string input) =>
        [input, input + ActivationExtractorDefaults.TokenCountSuffix, input + ActivationExtractorDefaults.TokenIdsSuffix];

    internal static DataViewSchema.Column CheckInput(DataViewSchema schema, string column)
    {
        var col = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"Input column '{column}' not found; FlattenActivations needs a vector of Single holding [tokens x d] per row (the output of ExtractActivations). Columns present: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (col.Type is not VectorDataViewType { ItemType: var item } || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Input column '{column}' is {col.Type}; FlattenActivations needs a vector of Single holding [tokens x d] per row.");
        return col;
    }
}
