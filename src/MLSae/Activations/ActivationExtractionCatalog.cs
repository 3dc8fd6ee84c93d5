using Microsoft.ML.Data;
using MLSae.Activations;
using MLSae.Transforms;

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
    /// The data-operations form of <see cref="FlattenActivationsCatalog.FlattenActivations(TransformsCatalog, string, string, int)"/>.
    /// </summary>
    public static IDataView FlattenActivations(this DataOperationsCatalog catalog, IDataView perDocument, int dimension,
        string activationsColumnName = ActivationExtractorDefaults.OutputColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(perDocument);
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension), "d must be positive.");
        if (perDocument.Schema.GetColumnOrNull(activationsColumnName) is null)
            throw new ArgumentOutOfRangeException(nameof(activationsColumnName), $"Column '{activationsColumnName}' not found; pass the output column of ExtractActivations.");
        var flatten = new FlattenActivationsEstimator(new FlattenActivationsOptions { InputColumnName = activationsColumnName, Dimension = dimension });
        return flatten.Fit(perDocument).Transform(perDocument);
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
