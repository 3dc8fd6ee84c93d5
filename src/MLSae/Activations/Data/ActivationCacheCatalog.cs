using MLSae.Activations.Cache;
using MLSae.Activations.Data;

namespace Microsoft.ML;

/// <summary>ML.NET catalog methods for activation caches.</summary>
public static class ActivationCacheCatalog
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
