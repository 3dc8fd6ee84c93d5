using MLSae.Activations;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Transforms;

namespace Microsoft.ML;

/// <summary>The MLSae transforms on <c>mlContext.Transforms</c>: ExtractActivations, FlattenActivations, ApplySae and ReorderSaeFeatures (TrainSae is in <c>SaeTrainingCatalog</c>, MLSae.TorchSharp).</summary>
public static class SaeTransformsCatalog
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
    /// One row per token from ExtractActivations' per-document output: <paramref name="outputColumnName"/>
    /// (a known-size vector of d floats, what ApplySae and TrainSae read), <c>TokenId</c>, <c>DocumentId</c>
    /// and <c>Position</c>; the document's other columns are repeated on each token.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The per-token activation column.</param>
    /// <param name="inputColumnName">The per-document [tokens x d] column.</param>
    /// <param name="dimension">d; 0 reads it from the first document with tokens at Fit.</param>
    public static FlattenActivationsEstimator FlattenActivations(this TransformsCatalog catalog,
        string outputColumnName = FlattenActivationsDefaults.OutputColumnName,
        string inputColumnName = FlattenActivationsDefaults.InputColumnName,
        int dimension = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FlattenActivationsEstimator(new FlattenActivationsOptions
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Dimension = dimension,
        });
    }

    /// <summary>The same with every setting in <paramref name="options"/>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Column names and d.</param>
    public static FlattenActivationsEstimator FlattenActivations(this TransformsCatalog catalog, FlattenActivationsOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FlattenActivationsEstimator(options);
    }

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
