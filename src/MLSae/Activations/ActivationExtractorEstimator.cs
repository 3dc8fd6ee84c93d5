using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLSae.Activations;

/// <summary>
/// Maps a text column to a hook's activations, one row per document: a variable-length float
/// vector holding [tokens x d] row-major, the token count and the token ids. Nothing is learned:
/// Fit resolves the model and hook and checks the input schema. Made by
/// <c>mlContext.Transforms.ExtractActivations(...)</c>.
/// </summary>
public sealed class ActivationExtractorEstimator : IEstimator<ActivationExtractorTransformer>
{
    readonly ActivationExtractorOptions _options;

    /// <summary>Creates the estimator.</summary>
    internal ActivationExtractorEstimator(ActivationExtractorOptions options)
    {
        options ??= new ActivationExtractorOptions();
        ArgumentException.ThrowIfNullOrEmpty(options.OutputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(options.InputColumnName);
        _options = options;
    }

    /// <inheritdoc />
    public ActivationExtractorTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ActivationExtractorTransformer.CheckInput(input.Schema, _options.InputColumnName);
        return new ActivationExtractorTransformer(_options);
    }

    /// <summary>
    /// The input shape plus the three added columns. SchemaShape columns cannot be built outside
    /// ML.NET, so the shape inference of a CustomMapping with the same input and output columns is
    /// borrowed (it also checks that the input is a text column).
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var input = SchemaDefinition.Create(typeof(TextRow));
        input[nameof(TextRow.Text)].ColumnName = _options.InputColumnName;
        var output = SchemaDefinition.Create(typeof(OutputRow));
        output[nameof(OutputRow.Activations)].ColumnName = _options.OutputColumnName;
        output[nameof(OutputRow.TokenCount)].ColumnName = _options.OutputColumnName + ActivationExtractorDefaults.TokenCountSuffix;
        output[nameof(OutputRow.TokenIds)].ColumnName = _options.OutputColumnName + ActivationExtractorDefaults.TokenIdsSuffix;
        var borrowed = new MLContext().Transforms.CustomMapping<TextRow, OutputRow>((_, _) => { }, contractName: null, input, output);
        return borrowed.GetOutputSchema(inputSchema);
    }

    sealed class TextRow
    {
        public string Text { get; set; } = "";
    }

    sealed class OutputRow
    {
        [VectorType] public float[] Activations { get; set; } = [];
        public int TokenCount { get; set; }
        [VectorType] public int[] TokenIds { get; set; } = [];
    }
}
