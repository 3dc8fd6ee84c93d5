using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLSae.Activations;

/// <summary>
/// The transformer of <see cref="ActivationExtractorEstimator"/>. Adds three columns:
/// <c>{Output}</c> (variable-length float vector, [tokens x d] row-major), <c>{Output}TokenCount</c>
/// (int) and <c>{Output}TokenIds</c> (variable-length int vector). A document longer than a
/// context is split into several contexts whose rows are concatenated. It is lazy (each document is
/// run when a cursor reaches it) and not savable into an ML.NET model zip: see docs/extraction.md.
/// For bulk extraction use <see cref="ActivationExtractor"/>, which batches across documents.
/// </summary>
public sealed class ActivationExtractorTransformer : ITransformer, IDisposable
{
    readonly ActivationExtractorOptions _options;
    readonly Lazy<ActivationExtractor> _extractor;
    readonly Lock _gate = new();

    internal ActivationExtractorTransformer(ActivationExtractorOptions options)
    {
        _options = options;
        var model = ModelSources.Resolve(options.Model, options.TokenizerPath);
        Hook = new HookResolver(model).Resolve(options.Hook);   // fail at Fit, not at the first row
        _extractor = new(() => new ActivationExtractor(model, options.Hook, options.Extraction));
    }

    /// <summary>The hook and tensor read.</summary>
    public HookPoint Hook { get; }

    /// <summary>d, floats per token.</summary>
    public int Dimension => _extractor.Value.Dimension;

    /// <summary>False: the mapping needs the model and tokenizer, which ML.NET cannot store for a custom transformer.</summary>
    public bool IsRowToRowMapper => false;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema, _options.InputColumnName);
        var b = new DataViewSchema.Builder();
        b.AddColumns(inputSchema);
        b.AddColumns(AddedColumns(_options.OutputColumnName));
        return b.ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ActivationExtractorDataView(this, input, GetOutputSchema(input.Schema), input.Schema[_options.InputColumnName]);
    }

    /// <summary>Not supported: see <see cref="IsRowToRowMapper"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException("ActivationExtractorTransformer is not a row-to-row mapper; use Transform.");

    /// <summary>
    /// Not supported: ML.NET's save context is internal, so a transformer written outside ML.NET
    /// cannot store its model and tokenizer in the zip. Save the pipeline after this step, and
    /// recreate this step from its options (model spec and hook) when loading.
    /// </summary>
    public void Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("ActivationExtractorTransformer cannot be saved into an ML.NET model: recreate it with mlContext.Transforms.ExtractActivations(...) (same model and hook) after loading the rest of the pipeline. See docs/extraction.md.");

    /// <inheritdoc />
    public void Dispose()
    {
        if (_extractor.IsValueCreated) _extractor.Value.Dispose();
    }

    /// <summary>Runs one document; returns (activations, token ids).</summary>
    internal (float[] Activations, int[] TokenIds) Run(string text)
    {
        if (string.IsNullOrEmpty(text)) return ([], []);
        var chunks = new List<ActivationChunk>();
        lock (_gate)
        {
            try { _extractor.Value.Extract([new TextDocument(0, text, "row")], chunks.Add); }
            catch (InvalidDataException) { return ([], []); }   // a document with no tokens
        }
        return (chunks.SelectMany(c => c.Activations).ToArray(), chunks.SelectMany(c => c.TokenIds).ToArray());
    }

    internal static void CheckInput(DataViewSchema schema, string column)
    {
        var col = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{column}' not found (columns: {string.Join(", ", schema.Select(c => c.Name))}); ExtractActivations needs a text column.");
        if (col.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{column}' is {col.Type}; ExtractActivations needs a text column.");
    }

    internal static DataViewSchema AddedColumns(string output)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn(output, new VectorDataViewType(NumberDataViewType.Single));
        b.AddColumn(output + ActivationExtractorDefaults.TokenCountSuffix, NumberDataViewType.Int32);
        b.AddColumn(output + ActivationExtractorDefaults.TokenIdsSuffix, new VectorDataViewType(NumberDataViewType.Int32));
        return b.ToSchema();
    }
}
