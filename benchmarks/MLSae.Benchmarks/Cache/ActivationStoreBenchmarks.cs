using BenchmarkDotNet.Attributes;
using MLSae.Activations;
using MLSae.Activations.Cache;

namespace MLSae.Benchmarks.Cache;

/// <summary>
/// Batch fill rate of <see cref="ActivationStore"/> over an on-disk cache (d = 384, B = 4096),
/// against a plain sequential read of the same cache (the baseline). One invocation = one epoch
/// of 131,072 rows = 32 batches; time per operation = time per batch (rows/s = 4096 / time).
/// Run: dotnet run -c Release --project benchmarks/MLSae.Benchmarks -- --filter '*ActivationStore*'
/// </summary>
public class ActivationStoreBenchmarks
{
    const int D = 384;
    const int B = 4096;
    const int Batches = 32;

    string _dir = "";
    ActivationCache _cache = null!;
    ActivationStore _shuffled = null!;
    ActivationStore _sequentialStore = null!;
    float[] _batch = null!;

    [Params(ActivationDType.Float32, ActivationDType.BFloat16)]
    public ActivationDType DType { get; set; }

    [Params(65_536)]
    public int ShuffleBufferRows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"mlsae-bench-cache-{Guid.NewGuid():N}");
        var rng = new Random(1);
        using (var w = ActivationCacheWriter.Create(_dir, new ActivationCacheWriterOptions { Model = "bench", Hook = "h", Dimension = D, DType = DType }))
        {
            var chunk = new float[B * D];
            for (int b = 0; b < Batches; b++)
            {
                for (int i = 0; i < chunk.Length; i++) chunk[i] = (float)(rng.NextDouble() * 2 - 1);
                w.Append(chunk, new int[B], new long[B], new int[B]);
            }
            w.Complete();
        }
        _cache = ActivationCache.Open(_dir);
        _batch = new float[B * D];
        _shuffled = new ActivationStore(_cache, new ActivationStoreOptions { BatchSize = B, ShuffleBufferRows = ShuffleBufferRows, Seed = 1 });
        _sequentialStore = new ActivationStore(_cache, new ActivationStoreOptions { BatchSize = B, ShuffleBufferRows = ShuffleBufferRows, Shuffle = false });
        SequentialRead(); // touch every page once so all runs read from the page cache
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batches)]
    public float SequentialRead()
    {
        for (int b = 0; b < Batches; b++) _cache.ReadRows((long)b * B, B, _batch);
        return _batch[0];
    }

    [Benchmark(OperationsPerInvoke = Batches)]
    public float StoreShuffled()
    {
        for (int b = 0; b < Batches; b++) _shuffled.NextBatch(_batch);
        return _batch[0];
    }

    [Benchmark(OperationsPerInvoke = Batches)]
    public float StoreUnshuffled()
    {
        for (int b = 0; b < Batches; b++) _sequentialStore.NextBatch(_batch);
        return _batch[0];
    }
}
