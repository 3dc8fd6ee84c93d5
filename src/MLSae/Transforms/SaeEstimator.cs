using Microsoft.ML;
using MLSae.Models;

namespace MLSae.Transforms;

/// <summary>
/// An estimator for an SAE whose weights are already known (trained elsewhere, loaded from
/// SAELens or ONNX): fitting only checks the input schema. Composes with <c>.Append(...)</c>.
/// </summary>
public sealed class SaeEstimator : IEstimator<SaeTransformer>
{
    readonly TransformsCatalog _catalog;

    /// <summary>Built by <c>mlContext.Transforms.ApplySae(...)</c>.</summary>
    internal SaeEstimator(TransformsCatalog catalog, SaeWeights weights, SaeTransformerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(weights);
        _catalog = catalog;
        Weights = weights;
        Options = options ?? new SaeTransformerOptions();
    }

    /// <summary>The SAE.</summary>
    public SaeWeights Weights { get; }

    /// <summary>Column names and device.</summary>
    public SaeTransformerOptions Options { get; }

    /// <inheritdoc />
    public SaeTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        SaeSchema.Check(input.Schema, Options.InputColumnName, Weights.InputDim);
        return new SaeTransformer(_catalog, Weights, Options);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        SaeSchema.Check(inputSchema, Options.InputColumnName, Weights.InputDim);
        return SaeSchema.Output(inputSchema, Options);
    }
}
