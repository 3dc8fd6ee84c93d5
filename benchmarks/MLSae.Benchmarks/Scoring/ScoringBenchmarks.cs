using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Scoring;

namespace MLSae.Benchmarks.Scoring;

/// <summary>
/// Rows/s of the batched scorer against ML.NET's OnnxTransformer (one row per session run) on the
/// same saved model zip. Both encode <see cref="Rows"/> random activation rows with a random
/// ReLU SAE; throughput = Rows / mean time.
/// Run: dotnet run -c Release --project benchmarks/MLSae.Benchmarks -- --filter "*ScoringBenchmarks*"
/// </summary>
public class ScoringBenchmarks
{
    sealed class Row
    {
        public float[] Activation = [];
    }

    const int D = 384;
    MLContext _ml = null!;
    ITransformer _loaded = null!;
    IDataView _view = null!;
    SaeScorer _scorer = null!;
    float[] _x = null!, _features = null!;
    string _dir = null!;

    /// <summary>
    /// SAE width m. The ratio depends on it: the one-row path is a matrix-vector product over W_enc (6 MB at m = 4096,
    /// within this machine's cache; 25 MB at 16384, streamed from memory for every row), the batched path a
    /// compute-bound matrix product.
    /// </summary>
    [Params(4096, 16384)]
    public int FeatureCount { get; set; }

    /// <summary>Rows encoded per benchmark invocation.</summary>
    [Params(2048)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        float[] R(int n, double scale, double shift = 0) => Enumerable.Range(0, n).Select(_ => (float)(shift + (rng.NextDouble() * 2 - 1) * scale)).ToArray();
        var w = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, D, FeatureCount,
            R(FeatureCount * D, 0.05), R(FeatureCount, 0.2, -0.9), R(FeatureCount * D, 0.05), new float[D]);
        _x = R(Rows * D, 1);
        _features = new float[Rows * FeatureCount];

        _dir = Path.Combine(Path.GetTempPath(), $"mlsae-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        var zip = Path.Combine(_dir, "sae.zip");
        _ml = new MLContext();
        var def = SchemaDefinition.Create(typeof(Row));
        def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, D);
        var empty = _ml.Data.LoadFromEnumerable(Array.Empty<Row>(), def);
        using (var t = _ml.Transforms.ApplySae(w).Fit(empty)) _ml.Model.Save(t, empty.Schema, zip);

        _loaded = _ml.Model.Load(zip, out _);
        _view = _ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(r => new Row { Activation = _x[(r * D)..((r + 1) * D)] }).ToArray(), def);
        _scorer = SaeScorer.Open(zip, new SaeScorerOptions { BatchSize = 4096, Execution = new OnnxExecutionOptions { PreferCuda = false } });
    }

    /// <summary>ML.NET Model.Load + Transform: OnnxTransformer runs one session per row.</summary>
    [Benchmark(Baseline = true)]
    public float MLNetOnnxTransformer()
    {
        float sum = 0;
        foreach (var v in _loaded.Transform(_view).GetColumn<VBuffer<float>>("Features"))
            sum += v.GetValues()[0];
        return sum;
    }

    /// <summary>SaeScorer.Encode: batches of 4096 rows through pre-allocated OrtValues.</summary>
    [Benchmark]
    public float BatchedScorer()
    {
        _scorer.Encode(_x, Rows, _features);
        return _features[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scorer.Dispose();
        (_loaded as IDisposable)?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
