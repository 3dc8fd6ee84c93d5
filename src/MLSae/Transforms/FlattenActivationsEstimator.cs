using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;

namespace MLSae.Transforms;

/// <summary>
/// Turns ExtractActivations' one row per document (a [tokens x d] vector) into one row per token
/// (a known-size vector of d floats, the shape ApplySae and TrainSae read), with <c>TokenId</c>,
/// <c>DocumentId</c> and <c>Position</c> columns and the document's other columns repeated on each
/// of its tokens. Fit only settles d (given, or read from the first document with tokens).
/// Made by <c>mlContext.Transforms.FlattenActivations(...)</c>.
/// </summary>
public sealed class FlattenActivationsEstimator : IEstimator<FlattenActivationsTransformer>
{
    /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.FlattenActivations(...)</c>.</summary>
    internal FlattenActivationsEstimator(FlattenActivationsOptions? options = null)
    {
        options ??= new FlattenActivationsOptions();
        ArgumentException.ThrowIfNullOrEmpty(options.OutputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(options.InputColumnName);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Dimension);
        Options = options;
    }

    /// <summary>Column names and d.</summary>
    public FlattenActivationsOptions Options { get; }

    /// <inheritdoc />
    public FlattenActivationsTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = FlattenActivationsTransformer.CheckInput(input.Schema, Options.InputColumnName);
        int d = Options.Dimension > 0 ? Options.Dimension : InferDimension(input, column);
        return new FlattenActivationsTransformer(Options with { Dimension = d });
    }

    /// <summary>
    /// The input shape without the per-document columns, plus the per-token ones. SchemaShape
    /// columns cannot be built outside ML.NET, so the shapes come from a CustomMapping's inference.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var col = inputSchema.Where(c => c.Name == Options.InputColumnName).ToList();
        if (col.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Input column '{Options.InputColumnName}' not found; FlattenActivations needs a vector of Single holding [tokens x d] per row (the output of ExtractActivations).");
        if (col[^1].Kind == SchemaShape.Column.VectorKind.Scalar || col[^1].ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Input column '{Options.InputColumnName}' is a {col[^1].Kind} of {col[^1].ItemType}; FlattenActivations needs a vector of Single holding [tokens x d] per row.");
        bool hasIds = inputSchema.Any(c => c.Name == Options.InputColumnName + ActivationExtractorDefaults.TokenIdsSuffix);
        var outputs = SchemaDefinition.Create(typeof(TokenRow));
        outputs[nameof(TokenRow.Activation)].ColumnName = Options.OutputColumnName;
        outputs[nameof(TokenRow.Activation)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Math.Max(1, Options.Dimension));
        var inputs = SchemaDefinition.Create(typeof(DocumentRow));
        inputs[nameof(DocumentRow.Values)].ColumnName = Options.InputColumnName;
        var shape = new MLContext().Transforms.CustomMapping<DocumentRow, TokenRow>((_, _) => { }, contractName: null, inputs, outputs)
            .GetOutputSchema(inputSchema);
        var dropped = FlattenActivationsTransformer.DroppedColumns(Options.InputColumnName);
        return new SchemaShape(shape.Where(c => !dropped.Contains(c.Name) && (hasIds || c.Name != FlattenActivationsDefaults.TokenIdColumnName)));
    }

    static int InferDimension(IDataView input, DataViewSchema.Column column)
    {
        var counts = input.Schema.GetColumnOrNull(column.Name + ActivationExtractorDefaults.TokenCountSuffix);
        var ids = input.Schema.GetColumnOrNull(column.Name + ActivationExtractorDefaults.TokenIdsSuffix);
        if (counts is null && ids is null)
            throw new ArgumentException(
                $"Cannot infer d for column '{column.Name}': there is no '{column.Name}{ActivationExtractorDefaults.TokenCountSuffix}' or '{column.Name}{ActivationExtractorDefaults.TokenIdsSuffix}' column. Set FlattenActivationsOptions.Dimension.", nameof(input));
        var needed = new List<DataViewSchema.Column> { column };
        if (counts is { } c) needed.Add(c); else needed.Add(ids!.Value);
        using var cursor = input.GetRowCursor(needed);
        var getValues = cursor.GetGetter<VBuffer<float>>(column);
        ValueGetter<int>? getCount = counts is { } cc ? cursor.GetGetter<int>(cc) : null;
        ValueGetter<VBuffer<int>>? getIds = counts is null ? cursor.GetGetter<VBuffer<int>>(ids!.Value) : null;
        VBuffer<float> values = default;
        VBuffer<int> idValues = default;
        while (cursor.MoveNext())
        {
            int tokens = 0;
            if (getCount is not null) getCount(ref tokens);
            else { getIds!(ref idValues); tokens = idValues.Length; }
            if (tokens <= 0) continue;
            getValues(ref values);
            if (values.Length % tokens != 0 || values.Length == 0)
                throw new InvalidDataException($"Row {cursor.Position} of column '{column.Name}' holds {values.Length} values for {tokens} tokens: not a whole number per token.");
            return values.Length / tokens;
        }
        throw new ArgumentException($"Cannot infer d: no row of column '{column.Name}' has tokens. Fit on data with text, or set FlattenActivationsOptions.Dimension.", nameof(input));
    }

    sealed class DocumentRow
    {
        [VectorType] public float[] Values { get; set; } = [];
    }

    sealed class TokenRow
    {
        [VectorType(1)] public float[] Activation { get; set; } = [];
        public int TokenId { get; set; }
        public long DocumentId { get; set; }
        public int Position { get; set; }
    }
}
