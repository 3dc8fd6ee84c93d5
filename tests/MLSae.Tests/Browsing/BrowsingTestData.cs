using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Models;

namespace MLSae.Tests.Browsing;

/// <summary>A tiny synthetic cache (documents of 37 rows, shards of 100) and a random ReLU SAE that fires sparsely on it.</summary>
static class BrowsingTestData
{
    public const int D = 6, M = 10, Rows = 400, DocLength = 37, Vocab = 60, Decodable = 50;

    public static long Doc(long row) => 7_000 + row / DocLength;
    public static int Token(long row) => (int)(row * 13 % Vocab);
    /// <summary>Ids below <see cref="Decodable"/> decode as "w{id}"; the rest are unknown (shown as ids).</summary>
    public static string? Decode(int id) => id < Decodable ? " w" + id : null;

    public static string WriteCache(string model = "test-model", int d = D, string? dir = null)
    {
        dir ??= RepoPaths.NewTempDir("mlsae-browse-cache");
        var rng = new Random(5);
        var x = new float[Rows * d];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var chunk = new ActivationChunk(x, [.. Enumerable.Range(0, Rows).Select(r => Token(r))], [.. Enumerable.Range(0, Rows).Select(r => Doc(r))],
            [.. Enumerable.Range(0, Rows).Select(r => (int)(r % DocLength))], d);
        using var w = ActivationCacheWriter.Create(dir, new ActivationCacheWriterOptions
        {
            Model = model, Hook = "blocks.0.hook_resid_post", Dimension = d, DType = ActivationDType.Float32, Context = 64, RowsPerShard = 100,
        });
        w.Append(chunk);
        w.Complete();
        return dir;
    }

    public static SaeWeights Sae(int[]? original = null, IReadOnlyList<PermutationRecord>? permutations = null)
    {
        var rng = new Random(11);
        float G() => (float)(rng.NextDouble() * 2 - 1);
        var enc = new float[M * D];
        var dec = new float[M * D];
        for (int i = 0; i < enc.Length; i++) { enc[i] = G(); dec[i] = G(); }
        // Biases from -1.2 to 0: some features fire rarely (fewer firings than the reservoir holds), some often.
        var encBias = Enumerable.Range(0, M).Select(i => -1.2f + 1.2f * i / (M - 1)).ToArray();
        return new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, D, M, enc, encBias, dec, new float[D])
        {
            Info = new SaeInfo { ModelName = "test-model", HookName = "blocks.0.hook_resid_post", OriginalIndices = original, Permutations = permutations ?? [] },
        };
    }

    /// <summary>The SAE of <see cref="Sae"/> with its features permuted: feature j is the original's feature order[j] (encoder, bias and decoder).</summary>
    public static SaeWeights PermutedSae(int[] order)
    {
        var a = Sae();
        var enc = new float[M * D];
        var dec = new float[M * D];
        for (int j = 0; j < M; j++)
        {
            // Both are stored feature-major, [m, d].
            a.EncoderWeights.AsSpan(order[j] * D, D).CopyTo(enc.AsSpan(j * D, D));
            a.DecoderRow(order[j]).CopyTo(dec.AsSpan(j * D, D));
        }
        return new SaeWeights(a.Architecture, a.Activation, D, M, enc, [.. order.Select(i => a.EncoderBias[i])], dec, a.DecoderBias) { Info = a.Info };
    }

    /// <summary>Every code of the cache, computed row by row (the reference the streaming statistics are checked against).</summary>
    public static float[] AllCodes(SaeWeights weights, ActivationCache cache)
    {
        var x = new float[cache.RowCount * cache.Dimension];
        cache.ReadRows(0, (int)cache.RowCount, x);
        var codes = new float[cache.RowCount * weights.FeatureCount];
        var forward = new SaeCpuForward(weights, 1);
        for (int r = 0; r < cache.RowCount; r++)
            forward.Encode(x.AsSpan(r * weights.InputDim, weights.InputDim), 1, codes.AsSpan(r * weights.FeatureCount, weights.FeatureCount));
        return codes;
    }
}
