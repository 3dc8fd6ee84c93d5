using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Persistence.Onnx;

namespace MLSae.Scoring;

/// <summary>
/// Encodes batches through ML.NET: <c>Model.Load</c> of a saved zip, then Transform (the
/// OnnxTransformer runs one session per row). The slow, compatibility path behind
/// <see cref="ScoringEngine.MLNet"/>; useful to check that a zip loads and agrees elsewhere.
/// </summary>
sealed class MLNetBatchEncoder : IDisposable
{
    readonly MLContext _ml = new();
    readonly ITransformer _model;
    readonly SchemaDefinition _def;
    readonly string _features;
    readonly int _d, _m;

    public MLNetBatchEncoder(string zipPath, SaeOnnxModel sae)
    {
        _model = _ml.Model.Load(zipPath, out _);
        _d = sae.InputDim;
        _m = sae.FeatureCount;
        _features = sae.FeaturesName;
        _def = SchemaDefinition.Create(typeof(Row));
        _def[0].ColumnName = sae.InputName;
        _def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, _d);
    }

    public void Encode(float[] input, int n, float[] output)
    {
        var rows = new Row[n];
        for (int r = 0; r < n; r++) rows[r] = new Row { Value = input[(r * _d)..((r + 1) * _d)] };
        int i = 0;
        foreach (var v in _model.Transform(_ml.Data.LoadFromEnumerable(rows, _def)).GetColumn<VBuffer<float>>(_features))
        {
            v.CopyTo(output.AsSpan(i * _m, _m));
            i++;
        }
    }

    public void Dispose() => (_model as IDisposable)?.Dispose();

    sealed class Row
    {
        public float[] Value = [];
    }
}
