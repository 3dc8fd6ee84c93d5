using MLSae.Models;
using MLSae.Transforms;

namespace Microsoft.ML;

/// <summary>ML.NET catalog methods for applying sparse autoencoders.</summary>
public static class SaeCatalog
{
    /// <summary>
    /// Encodes <paramref name="inputColumnName"/> (a vector of d floats) with the SAE into
    /// <paramref name="outputColumnName"/> (m floats) and its reconstruction (d floats).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The SAE code column.</param>
    /// <param name="inputColumnName">The activation column.</param>
    /// <param name="weights">The SAE.</param>
    /// <param name="reconstructionColumnName">The reconstruction column.</param>
    public static SaeEstimator ApplySae(this TransformsCatalog catalog, string outputColumnName, string inputColumnName, SaeWeights weights,
        string reconstructionColumnName = SaeTransformerDefaults.ReconstructionColumnName) =>
        catalog.ApplySae(weights, new SaeTransformerOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            ReconstructionColumnName = reconstructionColumnName,
        });

    /// <summary>Applies the SAE with default column names ("Activation" -&gt; "Features", "Reconstruction").</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="weights">The SAE.</param>
    public static SaeEstimator ApplySae(this TransformsCatalog catalog, SaeWeights weights) =>
        catalog.ApplySae(weights, new SaeTransformerOptions());

    /// <summary>Applies the SAE with the given options.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="weights">The SAE.</param>
    /// <param name="options">Column names and device.</param>
    public static SaeEstimator ApplySae(this TransformsCatalog catalog, SaeWeights weights, SaeTransformerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new SaeEstimator(catalog, weights, options);
    }
}
