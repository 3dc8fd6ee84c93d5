using BenchmarkDotNet.Attributes;
using MLSae.Activations;

namespace MLSae.Benchmarks.Cache;

/// <summary>
/// Cost of the NaN/Inf check every activation-cache read now makes (issue 16): one batch of 4096 rows x d = 384
/// (1.5M floats, 6 MB), scanned by <see cref="NonFiniteValues.IndexOfFirst"/>, against copying the same batch (the
/// baseline: what a read does anyway).
/// Run: dotnet run -c Release --project benchmarks/MLSae.Benchmarks -- --quick --filter '*NonFiniteCheck*'
/// </summary>
public class NonFiniteCheckBenchmarks
{
    float[] _source = null!, _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _source = new float[4096 * 384];
        for (int i = 0; i < _source.Length; i++) _source[i] = (float)(rng.NextDouble() * 2 - 1);
        _batch = new float[_source.Length];
    }

    [Benchmark(Baseline = true)]
    public void CopyBatch() => _source.AsSpan().CopyTo(_batch);

    [Benchmark]
    public long CheckBatch() => NonFiniteValues.IndexOfFirst(_batch);
}
