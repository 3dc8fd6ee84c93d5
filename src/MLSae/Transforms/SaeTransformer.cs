using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using MLSae.Models;
using MLSae.Persistence.Onnx;

namespace MLSae.Transforms;

/// <summary>
/// Applies an SAE to a column of activations, producing the code (<c>Features</c>, m floats) and
/// the reconstruction (d floats). It wraps an ML.NET <see cref="OnnxTransformer"/> over the SAE's
/// one-row ONNX graph and forwards saving to it, so <c>mlContext.Model.Save</c> embeds the ONNX
/// bytes and <c>Model.Load</c> works anywhere (it gives back the OnnxTransformer, not this type;
/// <see cref="SaeModelFile"/> recovers the typed view from the embedded metadata).
/// Dispose it to delete its temporary ONNX file.
/// </summary>
public sealed class SaeTransformer : ITransformer, IDisposable
{
    readonly OnnxTransformer _onnx;
    readonly OwnedTempFile _file;

    /// <summary>Creates the transformer for <paramref name="weights"/>.</summary>
    public SaeTransformer(MLContext mlContext, SaeWeights weights, SaeTransformerOptions? options = null)
        : this(mlContext?.Transforms!, weights, options)
    {
    }

    internal SaeTransformer(TransformsCatalog catalog, SaeWeights weights, SaeTransformerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(weights);
        options ??= new SaeTransformerOptions();
        Weights = weights;
        Options = options;
        var onnx = SaeOnnx.Export(weights, new SaeOnnxOptions
        {
            Kind = SaeGraphKind.EncodeDecode,
            Batched = false,
            InputName = options.InputColumnName,
            FeaturesName = options.OutputColumnName,
            ReconstructionName = options.ReconstructionColumnName,
        });
        _file = new OwnedTempFile(onnx, ".onnx");
        try
        {
            _onnx = catalog.ApplyOnnxModel(
                    [options.OutputColumnName, options.ReconstructionColumnName], [options.InputColumnName],
                    _file.Path, options.GpuDeviceId, options.FallbackToCpu)
                .Fit(SaeSchema.Empty(options.InputColumnName, weights.InputDim));
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <summary>The SAE applied.</summary>
    public SaeWeights Weights { get; }

    /// <summary>Column names and device.</summary>
    public SaeTransformerOptions Options { get; }

    /// <summary>
    /// The wrapped ONNX transformer (what <c>Model.Load</c> returns after a save). It reads this
    /// transformer's temp file when saved, so keep the <see cref="SaeTransformer"/> alive while using it.
    /// </summary>
    public OnnxTransformer OnnxTransformer => _onnx;

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        SaeSchema.Check(inputSchema, Options.InputColumnName, Weights.InputDim);
        return _onnx.GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        SaeSchema.Check(inputSchema, Options.InputColumnName, Weights.InputDim);
        return ((ITransformer)_onnx).GetRowToRowMapper(inputSchema);
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        SaeSchema.Check(input.Schema, Options.InputColumnName, Weights.InputDim);
        return _onnx.Transform(input);
    }

    /// <summary>Saves the wrapped OnnxTransformer (with the ONNX bytes and their metadata).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_onnx).Save(ctx);

    /// <summary>Releases the ONNX session and deletes the temporary model file.</summary>
    public void Dispose()
    {
        _onnx.Dispose();
        _file.Dispose();
    }
}
