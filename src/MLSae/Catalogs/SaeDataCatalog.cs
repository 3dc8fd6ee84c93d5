using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Activations.Data;
using MLSae.Transforms;

namespace Microsoft.ML;

/// <summary>The MLSae data operations on <c>mlContext.Data</c>: LoadFromActivationCache and FlattenActivations.</summary>
public static class SaeDataCatalog
{
    /// <summary>
    /// Opens the activation cache in <paramref name="directory"/> as an <see cref="IDataView"/>
    /// (columns Activation, TokenId, DocumentId, Position). The view keeps the cache's memory maps
    /// open for its lifetime; to release them at a known point, open an <see cref="ActivationCache"/>
    /// yourself, wrap it in <see cref="ActivationCacheDataView"/> and dispose the cache.
    /// </summary>
    public static ActivationCacheDataView LoadFromActivationCache(this DataOperationsCatalog catalog, string directory)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ActivationCacheDataView(ActivationCache.Open(directory));
    }

    /// <summary>
    /// One row per token from the per-document output of ExtractActivations: <c>Activation</c>
    /// (d floats), <c>TokenId</c>, <c>DocumentId</c> (row index in <paramref name="perDocument"/>) and
    /// <c>Position</c> (index among the document's stored tokens). Lazy: rows stream from a cursor.
    /// The data-operations form of <see cref="SaeTransformsCatalog.FlattenActivations(TransformsCatalog, string, string, int)"/>.
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
