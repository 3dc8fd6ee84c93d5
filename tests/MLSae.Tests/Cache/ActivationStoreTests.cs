using MLSae.Activations;
using MLSae.Activations.Cache;

namespace MLSae.Tests.Cache;

public class ActivationStoreTests
{
    const int D = 6;

    /// <summary>Row r holds r in column 0 and r * 10 + j in column j: a batch row names its source row.</summary>
    static InMemoryActivationSource Source(long rows)
    {
        var data = new float[rows * D];
        for (long r = 0; r < rows; r++)
            for (int j = 0; j < D; j++)
                data[r * D + j] = j == 0 ? r : r * 10 + j;
        return new InMemoryActivationSource(data, D);
    }

    static ActivationStoreOptions Options(int batch = 64, int buffer = 200, int chunk = 16, int seed = 7) => new()
    {
        BatchSize = batch,
        ShuffleBufferRows = buffer,
        ChunkRows = chunk,
        Seed = seed,
    };

    /// <summary>Serves <paramref name="batches"/> batches; checks each row's content against its source row index.</summary>
    static List<long> Take(ActivationStore store, int batches)
    {
        var buf = new float[store.BatchSize * D];
        var rows = new long[store.BatchSize];
        var seen = new List<long>();
        for (int b = 0; b < batches; b++)
        {
            int n = store.NextBatch(buf, rows);
            for (int i = 0; i < n; i++)
            {
                long r = (long)buf[i * D];
                Assert.Equal(rows[i], r);
                for (int j = 1; j < D; j++) Assert.Equal((float)(r * 10 + j), buf[i * D + j]);
                seen.Add(r);
            }
            if (n < store.BatchSize) break;
        }
        return seen;
    }

    [Theory]
    [InlineData(1000, 0, 64, 200, 16)]   // buffer smaller than an epoch; T not a multiple of C (groups of 12 chunks)
    [InlineData(1003, 97, 50, 64, 7)]    // held-out rows; short last chunk; B does not divide T
    [InlineData(500, 0, 64, 4096, 16)]   // buffer larger than the data: a full permutation
    public void EveryTrainingRowOncePerEpochAndHeldOutNever(int n, int heldOut, int batch, int buffer, int chunk)
    {
        var store = new ActivationStore(Source(n), Options(batch, buffer, chunk) with { HeldOutRows = heldOut });
        long t = n - heldOut;
        Assert.Equal(t, store.TrainingRowCount);
        var stream = Take(store, (int)(3 * t / batch) + 1);
        for (int e = 0; e < 3; e++)
        {
            var epoch = stream.Skip((int)(e * t)).Take((int)t).ToList();
            Assert.Equal(Enumerable.Range(0, (int)t).Select(i => (long)i), epoch.Order()); // each training row exactly once
            Assert.NotEqual(Enumerable.Range(0, (int)t).Select(i => (long)i), epoch);     // and shuffled
        }
        Assert.All(stream, r => Assert.True(r < t, $"held-out row {r} served in a training batch"));
        Assert.Equal(3, store.Epoch);
    }

    [Fact]
    public void ShuffleMixesDistantPartsOfTheSourceWithinABatch()
    {
        // 20,000 rows, buffer 2,000 of chunks of 100: one batch should draw from many chunks.
        var store = new ActivationStore(Source(20_000), Options(batch: 256, buffer: 2000, chunk: 100));
        var first = Take(store, 1);
        var chunks = first.Select(r => r / 100).Distinct().Count();
        Assert.True(chunks >= 15, $"only {chunks} distinct chunks in the first batch");
        Assert.True(first.Max() - first.Min() > 10_000, "the first batch should span the source");
    }

    [Fact]
    public void SameSeedSameBatchesOtherSeedOtherBatches()
    {
        var a = Take(new ActivationStore(Source(1000), Options(seed: 3)), 40);
        var b = Take(new ActivationStore(Source(1000), Options(seed: 3)), 40);
        var c = Take(new ActivationStore(Source(1000), Options(seed: 4)), 40);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(5)]   // mid-epoch, mid-group
    [InlineData(15)]  // T = 1000, B = 64: batch 15 ends at row 1024, inside epoch 1
    [InlineData(31)]
    public void RestoredStateContinuesWithIdenticalBatches(int batchesBeforeSave)
    {
        var o = Options() with { HeldOutFraction = 0.1 };
        var uninterrupted = new ActivationStore(Source(1111), o);
        Take(uninterrupted, batchesBeforeSave);
        var state = uninterrupted.GetState();
        var expected = Take(uninterrupted, 25);

        foreach (var saved in new[] { state, ActivationStoreState.FromJson(state.ToJson()), ActivationStoreState.FromInt64Array(state.ToInt64Array()) })
        {
            var fresh = new ActivationStore(Source(1111), o);
            fresh.Restore(saved);
            Assert.Equal(state.Epoch, fresh.Epoch);
            Assert.Equal(expected, Take(fresh, 25));
        }
    }

    [Fact]
    public void RestoreRefusesADifferentConfiguration()
    {
        var state = new ActivationStore(Source(1000), Options(seed: 1)).GetState();
        var e = Assert.Throws<ArgumentException>(() => new ActivationStore(Source(1000), Options(seed: 2)).Restore(state));
        Assert.Contains("seed", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ActivationStore(Source(999), Options(seed: 1)).Restore(state));
        Assert.Contains("training rows", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ActivationStore(Source(1000), Options(buffer: 300, seed: 1)).Restore(state));
        Assert.Contains("shuffle buffer", e.Message);
    }

    [Fact]
    public void WithoutShuffleRowsComeInSourceOrder()
    {
        var store = new ActivationStore(Source(300), Options(batch: 64) with { Shuffle = false, MaxEpochs = 2 });
        var stream = Take(store, 100);
        Assert.Equal(Enumerable.Range(0, 300).Concat(Enumerable.Range(0, 300)).Select(i => (long)i), stream);
        Assert.True(store.IsExhausted);
        Assert.Equal(0, store.NextBatch(new float[64 * D]));
    }

    [Fact]
    public void MaxEpochsEndsWithAShortBatch()
    {
        var store = new ActivationStore(Source(100), Options(batch: 64) with { MaxEpochs = 1 });
        var buf = new float[64 * D];
        Assert.Equal(64, store.NextBatch(buf));
        Assert.Equal(36, store.NextBatch(buf));
        Assert.Equal(0, store.NextBatch(buf));
    }

    [Fact]
    public void HeldOutRowsAreReadableSeparately()
    {
        var store = new ActivationStore(Source(1000), Options() with { HeldOutFraction = 0.25 });
        Assert.Equal(250, store.HeldOutRowCount);
        Assert.Equal(250, store.HeldOut.RowCount);
        var rows = new float[250 * D];
        store.ReadHeldOut(0, 250, rows);
        for (int i = 0; i < 250; i++) Assert.Equal(750 + i, rows[i * D]);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new ActivationStore(Source(100), Options() with { HeldOutRows = 100 }));
        Assert.Throws<ArgumentException>(() => new ActivationStore(Source(100), Options() with { HeldOutRows = 5, HeldOutFraction = 0.1 }));
        Assert.Throws<ArgumentException>(() => new ActivationStore(Source(100), Options(buffer: 8, chunk: 16)));
        Assert.Throws<ArgumentException>(() => new ActivationStore(Source(100), Options()).NextBatch(new float[10]));
    }

    [Fact]
    public void OverAnOnDiskCacheBatchesEqualTheCachedRows()
    {
        const int d = 12;
        var dir = CacheTestData.Write(777, d, CacheTestData.Options(d, ActivationDType.Float32, rowsPerShard: 100));
        using var cache = ActivationCache.Open(dir);
        var store = new ActivationStore(cache, new ActivationStoreOptions { BatchSize = 100, ShuffleBufferRows = 256, ChunkRows = 32, Seed = 5, HeldOutRows = 77 });
        var buf = new float[100 * d];
        var rows = new long[100];
        var seen = new HashSet<long>();
        for (int b = 0; b < 7; b++)
        {
            Assert.Equal(100, store.NextBatch(buf, rows));
            for (int i = 0; i < 100; i++)
            {
                Assert.True(seen.Add(rows[i]));
                for (int j = 0; j < d; j++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(CacheTestData.Value(rows[i], j)), BitConverter.SingleToInt32Bits(buf[i * d + j]));
            }
        }
        Assert.Equal(Enumerable.Range(0, 700).Select(i => (long)i), seen.Order());
    }
}
