using MLSae.Activations.Cache;
using MLSae.Activations.Data;

namespace Microsoft.ML;

/// <summary>
/// The MLSae data operations on <c>mlContext.Data</c>: LoadFromActivationCache. Turning per-document activations into
/// token rows is a transform, <see cref="SaeTransformsCatalog.FlattenActivations(TransformsCatalog, string, string, int)"/>.
/// </summary>
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
}
