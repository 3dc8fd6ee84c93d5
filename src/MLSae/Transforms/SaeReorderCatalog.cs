using MLSae.Models;
using MLSae.Ordering;
using MLSae.Transforms;

namespace Microsoft.ML;

/// <summary>ML.NET catalog methods for post-hoc SAE feature reordering (see <see cref="FeatureReorderEstimator"/>).</summary>
public static class SaeReorderCatalog
{
    /// <summary>
    /// Applies the SAE <paramref name="weights"/> with its features sorted by <paramref name="by"/>
    /// (descending, computed on <paramref name="inputColumnName"/> of the fitting data).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The SAE code column (m floats, in the new order).</param>
    /// <param name="inputColumnName">The activation column (d floats).</param>
    /// <param name="weights">The SAE to reorder.</param>
    /// <param name="by">Sort key.</param>
    /// <param name="reconstructionColumnName">The reconstruction column.</param>
    public static FeatureReorderEstimator ReorderSaeFeatures(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, SaeWeights weights,
        FeatureOrderKey by = SaeReorderDefaults.By, string reconstructionColumnName = SaeTransformerDefaults.ReconstructionColumnName) =>
        catalog.ReorderSaeFeatures(weights, new SaeReorderOptions { By = by }, new SaeTransformerOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            ReconstructionColumnName = reconstructionColumnName,
        });

    /// <summary>Applies <paramref name="weights"/> reordered by <paramref name="options"/>, with <paramref name="columns"/> (default: "Activation" -&gt; "Features", "Reconstruction").</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="weights">The SAE to reorder.</param>
    /// <param name="options">Sort key, rows read for it, seed.</param>
    /// <param name="columns">Column names and device.</param>
    public static FeatureReorderEstimator ReorderSaeFeatures(this TransformsCatalog catalog, SaeWeights weights,
        SaeReorderOptions? options = null, SaeTransformerOptions? columns = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(weights);
        return new FeatureReorderEstimator(catalog, weights, null, options, columns);
    }

    /// <summary>
    /// Fits <paramref name="sae"/> (e.g. <c>ApplySae(...)</c> or a trainer) and reorders the SAE it
    /// produced by <paramref name="options"/>, computed on the same fitting data.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="sae">The SAE estimator whose result is reordered.</param>
    /// <param name="options">Sort key, rows read for it, seed.</param>
    public static FeatureReorderEstimator ReorderSaeFeatures(this TransformsCatalog catalog, IEstimator<SaeTransformer> sae, SaeReorderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(sae);
        return new FeatureReorderEstimator(catalog, null, sae, options, default);
    }
}
