using MLSae.Transforms;

namespace Microsoft.ML;

/// <summary>ML.NET catalog method turning per-document activations into per-token rows (see <see cref="FlattenActivationsEstimator"/>).</summary>
public static class FlattenActivationsCatalog
{
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
}
