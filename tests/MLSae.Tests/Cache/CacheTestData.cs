using MLSae.Activations;
using MLSae.Activations.Cache;

namespace MLSae.Tests.Cache;

/// <summary>Known token rows, defined by formulas, and helpers to write them into caches.</summary>
static class CacheTestData
{
    public static float Value(long row, int col)
    {
        // A spread of magnitudes and signs, plus a few special values, so bf16 rounding is exercised.
        if (col == 0) return row; // the row's own index (exact in f32 for these sizes)
        if ((row + col) % 97 == 0) return -0f;
        if ((row + col) % 89 == 0) return 1e-39f; // subnormal
        return (float)(Math.Sin(row * 0.37 + col * 1.1) * Math.Pow(10, (row * 7 + col) % 9 - 4));
    }

    public static int TokenId(long row) => (int)(row * 7919 % 30522);
    public static long DocumentId(long row) => 1_000_000_000_000L + row / 13;
    public static int Position(long row) => (int)(row % 128);

    public static float[] Activations(long firstRow, int rows, int d)
    {
        var a = new float[rows * d];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < d; j++)
                a[r * d + j] = Value(firstRow + r, j);
        return a;
    }

    public static ActivationChunk Chunk(long firstRow, int rows, int d) => new(
        Activations(firstRow, rows, d),
        Enumerable.Range(0, rows).Select(i => TokenId(firstRow + i)).ToArray(),
        Enumerable.Range(0, rows).Select(i => DocumentId(firstRow + i)).ToArray(),
        Enumerable.Range(0, rows).Select(i => Position(firstRow + i)).ToArray(),
        d);

    /// <summary>Chunk sizes that do not line up with shard boundaries.</summary>
    public static IEnumerable<ActivationChunk> Stream(long totalRows, int d, int seed = 1)
    {
        var rng = new Random(seed);
        long row = 0;
        while (row < totalRows)
        {
            int n = (int)Math.Min(totalRows - row, rng.Next(1, 90));
            yield return Chunk(row, n, d);
            row += n;
        }
    }

    public static ActivationCacheWriterOptions Options(int d, ActivationDType dtype = ActivationDType.Float32, int rowsPerShard = 100) => new()
    {
        Model = "test-model",
        Hook = "blocks.0.hook_resid_post",
        Dimension = d,
        DType = dtype,
        Context = 128,
        RowsPerShard = rowsPerShard,
    };

    public static string Write(long rows, int d, ActivationCacheWriterOptions? options = null, string? dir = null)
    {
        dir ??= RepoPaths.NewTempDir("mlsae-cache");
        using var w = ActivationCacheWriter.Create(dir, options ?? Options(d));
        foreach (var c in Stream(rows, d)) w.Append(c);
        w.SpecialTokensExcluded = 42;
        w.Complete();
        return dir;
    }
}
