using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;

namespace MLSae.Transforms;

/// <summary>
/// What <see cref="FeatureReorderEstimator"/> fits: the SAE with its features reordered (an equivalent SAE: same
/// reconstructions, codes permuted), applied to the activation column like any <see cref="SaeTransformer"/>, plus
/// the permutation. Saving writes the reordered SAE (the permutation log and original indices ride in its ONNX
/// metadata, which <see cref="SaeModelFile"/> reads back). Made by <c>mlContext.Transforms.ReorderSaeFeatures(...)</c>.
/// </summary>
public sealed class FeatureReorderTransformer : ITransformer, IDisposable
{
    internal FeatureReorderTransformer(SaeTransformer sae, int[] order)
    {
        Sae = sae;
        Order = order;
    }

    /// <summary>The reordered SAE as applied (its <see cref="SaeTransformer.Weights"/> carry the permutation log).</summary>
    public SaeTransformer Sae { get; }

    /// <summary>The reordered SAE.</summary>
    public SaeWeights Weights => Sae.Weights;

    /// <summary>Column names and device.</summary>
    public SaeTransformerOptions Options => Sae.Options;

    /// <summary>New position j holds the fitted SAE's feature <c>Order[j]</c>.</summary>
    public IReadOnlyList<int> Order { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => Sae.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Sae.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Sae.GetRowToRowMapper(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => Sae.Transform(input);

    /// <summary>Saves the reordered SAE (as <see cref="SaeTransformer"/> does).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)Sae).Save(ctx);

    /// <summary>Releases the SAE's ONNX session and temporary model file.</summary>
    public void Dispose() => Sae.Dispose();
}
