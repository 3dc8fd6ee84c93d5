using System.Diagnostics;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Scoring;
using MLSae.Training;

namespace MLSae.Benchmarks.Memory;

/// <summary>
/// `--memory SCENARIO ARGS`: one memory scenario per process, printing its peak resident set (eng/bench-memory.sh
/// runs them at two or three sizes and collects the lines).
/// <list type="bullet">
/// <item>write-cache DIR ROWS [f32|bf16]: a synthetic d = 384 cache of random rows (ActivationCacheWriter).</item>
/// <item>train DIR STEPS M: trains a standard SAE (B = 4096) from the cache through ActivationStore.</item>
/// <item>store-epoch DIR: serves one whole epoch of the cache through ActivationStore (B = 4096), no training.</item>
/// <item>score DIR ROWS M: scores the first ROWS rows of the cache with SaeScorer (top-k CSV) to a temp file.</item>
/// </list>
/// </summary>
static class MemoryProbe
{
    const int D = 384;

    public static int Run(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: --memory write-cache|train|store-epoch|score DIR [...]"); return 2; }
        using var peak = new PeakMemory();
        var sw = Stopwatch.StartNew();
        string what = args[0], dir = args[1];
        string detail = what switch
        {
            "write-cache" => WriteCache(dir, long.Parse(args[2]), args.Length > 3 && args[3] == "f32" ? ActivationDType.Float32 : ActivationDType.BFloat16),
            "train" => Train(dir, int.Parse(args[2]), int.Parse(args[3])),
            "store-epoch" => StoreEpoch(dir),
            "score" => Score(dir, long.Parse(args[2]), int.Parse(args[3])),
            _ => throw new ArgumentException($"Unknown memory scenario '{what}'; use write-cache, train, store-epoch or score."),
        };
        Console.WriteLine($"MEMORY {what} {detail}; {sw.Elapsed.TotalSeconds:F1} s; {peak.Report()}");
        return 0;
    }

    static string WriteCache(string dir, long rows, ActivationDType dtype)
    {
        const int Chunk = 4096, Variants = 16;
        var rng = new Random(1);
        var chunks = new float[Variants][];
        for (int v = 0; v < Variants; v++)
        {
            chunks[v] = new float[Chunk * D];
            for (int i = 0; i < chunks[v].Length; i++) chunks[v][i] = (float)(rng.NextDouble() * 2 - 1);
        }
        var ids = new int[Chunk]; var docs = new long[Chunk]; var pos = new int[Chunk];
        using var w = ActivationCacheWriter.Create(dir, new ActivationCacheWriterOptions { Model = "synthetic", Hook = "random", Dimension = D, DType = dtype, Overwrite = true });
        for (long r = 0, c = 0; r < rows; r += Chunk, c++)
        {
            int n = (int)Math.Min(Chunk, rows - r);
            w.Append(chunks[c % Variants].AsSpan(0, n * D), ids.AsSpan(0, n), docs.AsSpan(0, n), pos.AsSpan(0, n));
        }
        w.Complete();
        return $"rows {rows} dtype {dtype}";
    }

    static string Train(string dir, int steps, int m)
    {
        using var cache = ActivationCache.Open(dir);
        var store = new ActivationStore(cache, new ActivationStoreOptions { BatchSize = 4096, Seed = 1 });
        var options = new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, FeatureCount = m, BatchSize = 4096, Steps = steps, LogEvery = steps, CheckpointEvery = 0 };
        var result = SaeTrainer.Train(new StoreBatchSource(store), options);
        double modelMiB = 4.0 * (2.0 * m * D + m + D) / 1048576;
        return $"cache rows {cache.RowCount} steps {steps} d {D} m {m} B 4096; parameters {modelMiB:F0} MiB (x4 with grads + Adam moments = {4 * modelMiB:F0} MiB); rows served {store.RowsServed}; final b_dec[0] {result.Weights.DecoderBias[0]:F3}";
    }

    static string StoreEpoch(string dir)
    {
        using var cache = ActivationCache.Open(dir);
        var store = new ActivationStore(cache, new ActivationStoreOptions { BatchSize = 4096, Seed = 1, MaxEpochs = 1 });
        var batch = new float[4096 * cache.Dimension];
        while (store.NextBatch(batch) > 0) { }
        return $"cache rows {cache.RowCount}; rows served {store.RowsServed}";
    }

    static string Score(string dir, long rows, int m)
    {
        using var cache = ActivationCache.Open(dir);
        var rng = new Random(1);
        float[] R(int n, double scale, double shift = 0) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(shift + (rng.NextDouble() * 2 - 1) * scale); return a; }
        var w = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, D, m, R(m * D, 0.05), R(m, 0.2, -0.9), R(m * D, 0.05), new float[D]);
        using var scorer = new SaeScorer(w, new SaeScorerOptions { Execution = new OnnxExecutionOptions { PreferCuda = false }, Overwrite = true });
        var output = Path.Combine(Path.GetTempPath(), $"mlsae-mem-score-{Guid.NewGuid():N}.csv");
        try
        {
            scorer.Score(new ActivationSourceSlice(cache, 0, Math.Min(rows, cache.RowCount)), output);
            return $"rows {Math.Min(rows, cache.RowCount)} of {cache.RowCount}, m {m}, output {new FileInfo(output).Length / 1048576.0:F0} MiB";
        }
        finally { File.Delete(output); }
    }
}
