using Microsoft.ML;
using MLSae.Models;
using MLSae.Ordering;

namespace MLSae.Transforms;

/// <summary>
/// Post-hoc feature reordering as an ML.NET estimator: <see cref="Fit"/> computes the sort key
/// (frequency by default) of the SAE's features on the activation column of the fitting data and
/// returns a <see cref="FeatureReorderTransformer"/> over the reordered, equivalent SAE (same reconstructions,
/// codes permuted; <c>Weights.Info</c> carries the permutation log and original indices, which saving
/// keeps in the ONNX metadata and <see cref="SaeModelFile"/> reads back).
/// <para>
/// The SAE comes either as weights or as the SAE estimator it wraps (<c>ApplySae</c>, a trainer):
/// ML.NET's <c>Append</c> hands a step only the previous step's output data, never the previous
/// transformer, so a reorder step cannot take the weights from an SAE step before it. Wrapping keeps
/// one SAE in the fitted chain, so the saved model holds the reordered SAE only.
/// </para>
/// </summary>
public sealed class FeatureReorderEstimator : IEstimator<FeatureReorderTransformer>
{
    readonly TransformsCatalog _catalog;
    readonly SaeWeights? _weights;
    readonly SaeTransformerOptions _columns;
    readonly IEstimator<SaeTransformer>? _sae;

    /// <summary>Built by <c>mlContext.Transforms.ReorderSaeFeatures(...)</c>: the SAE as <paramref name="weights"/> or as the estimator <paramref name="sae"/> to fit first.</summary>
    internal FeatureReorderEstimator(TransformsCatalog catalog, SaeWeights? weights, IEstimator<SaeTransformer>? sae, SaeReorderOptions? options, SaeTransformerOptions? columns)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (weights is null && sae is null) throw new ArgumentNullException(nameof(weights), "Pass the SAE's weights or the SAE estimator to reorder.");
        _catalog = catalog;
        _weights = weights;
        _sae = sae;
        _columns = columns ?? new SaeTransformerOptions();
        Options = options ?? new SaeReorderOptions();
        if (Options.MaxRows <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"MaxRows must be positive (got {Options.MaxRows}).");
    }

    /// <summary>Sort key, rows read for it, and the seed of a random order.</summary>
    public SaeReorderOptions Options { get; }

    /// <inheritdoc />
    public FeatureReorderTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        SaeWeights weights;
        SaeTransformerOptions columns;
        if (_sae is not null)
        {
            using var fitted = _sae.Fit(input);
            (weights, columns) = (fitted.Weights, fitted.Options);
        }
        else (weights, columns) = (_weights!, _columns);
        SaeSchema.Check(input.Schema, columns.InputColumnName, weights.InputDim);
        using var source = new DataViewActivationSource(input, columns.InputColumnName, weights.InputDim, Options.MaxRows);
        if (source.RowCount == 0 && Options.By is not (FeatureOrderKey.Original or FeatureOrderKey.Random))
            throw new ArgumentException($"The fitting data has no rows in column '{columns.InputColumnName}'; ordering by {Options.By} needs activations.", nameof(input));
        var result = SaeFeatureReorder.Reorder(weights, source, Options);
        return new FeatureReorderTransformer(new SaeTransformer(_catalog, result.Weights, columns), result.Order);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (_sae is not null) return _sae.GetOutputSchema(inputSchema);
        SaeSchema.Check(inputSchema, _columns.InputColumnName, _weights!.InputDim);
        return SaeSchema.Output(inputSchema, _columns);
    }
}
