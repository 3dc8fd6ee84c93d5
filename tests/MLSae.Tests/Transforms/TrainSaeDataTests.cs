using Microsoft.ML;
using MLSae.Activations.Cache;
using MLSae.Activations.Data;
using MLSae.Tests.Cache;
using MLSae.Transforms;
using static MLSae.Tests.Transforms.TrainSaeTestData;

namespace MLSae.Tests.Transforms;

/// <summary>How TrainSae reads its data view: cache in place, copied into memory, or streamed with a seeded window shuffle.</summary>
public class TrainSaeDataTests
{
    const int Rows = 1000, Window = 256;   // 1000 = 3 full windows + 232

    /// <summary>Rows whose first value is the row index, so served rows can be identified.</summary>
    static float[] Indexed(int rows, int d = 4)
    {
        var x = new float[rows * d];
        for (int r = 0; r < rows; r++) for (int j = 0; j < d; j++) x[r * d + j] = r + j * 0.25f;
        return x;
    }

    static int[] Serve(DataViewStreamingBatchSource source, int rows, int batch = 100)
    {
        var ids = new List<int>();
        var buf = new float[batch * source.Dimension];
        while (ids.Count < rows)
        {
            int n = Math.Min(batch, rows - ids.Count);
            source.NextBatch(n, buf);
            for (int k = 0; k < n; k++)
            {
                int id = (int)buf[k * source.Dimension];
                for (int j = 0; j < source.Dimension; j++) Assert.Equal(id + j * 0.25f, buf[k * source.Dimension + j]);
                ids.Add(id);
            }
        }
        return ids.ToArray();
    }

    static DataViewStreamingBatchSource Streaming(MLContext ml, int seed = 3) =>
        new(View(ml, Indexed(Rows), d: 4), "Activation", 4, seed, Window);

    [Fact]
    public void StreamingServesEveryRowOncePerEpoch_ShuffledWithinWindows_AndDifferentlyEachEpoch()
    {
        var ml = new MLContext(seed: 1);
        using var source = Streaming(ml);
        var ids = Serve(source, 2 * Rows, batch: 77);
        var e0 = ids[..Rows];
        var e1 = ids[Rows..];
        Assert.Equal(Enumerable.Range(0, Rows), e0.Order());
        Assert.Equal(Enumerable.Range(0, Rows), e1.Order());
        Assert.NotEqual(Enumerable.Range(0, Rows), e0);
        Assert.NotEqual(e0, e1);
        // Window w serves exactly rows [w S, (w + 1) S) of the pass.
        for (int w = 0; w * Window < Rows; w++)
        {
            int end = Math.Min(Rows, (w + 1) * Window);
            Assert.Equal(Enumerable.Range(w * Window, end - w * Window), e0[(w * Window)..end].Order());
        }
        using var again = Streaming(ml);
        Assert.Equal(ids, Serve(again, 2 * Rows, batch: 50));
        using var other = Streaming(ml, seed: 4);
        Assert.NotEqual(ids, Serve(other, 2 * Rows));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(130)]
    [InlineData(256)]
    [InlineData(999)]
    [InlineData(1000)]
    [InlineData(1768)]
    public void StreamingStateRestoresTheSameNextRows(int served)
    {
        var ml = new MLContext(seed: 1);
        using var reference = Streaming(ml);
        var all = Serve(reference, served + 600, batch: 1);
        using var first = Streaming(ml);
        if (served > 0) Serve(first, served, batch: 64);
        var state = first.SaveState();
        using var resumed = Streaming(ml);
        resumed.LoadState(state);
        Assert.Equal(all[served..], Serve(resumed, 600, batch: 90));
    }

    [Fact]
    public void ChoosesCacheInPlace_MemoryForSmallViews_StreamingForLargeOrUncountedOnes()
    {
        var ml = new MLContext(seed: 1);
        var small = View(ml, Indexed(Rows), d: 4);
        var col = small.Schema["Activation"];
        var o = new TrainSaeOptions { MaxInMemoryRows = Rows };
        using (var data = DataViewTrainingData.Create(small, col, 4, o))
            Assert.Contains("copied into memory", data.Description);
        using (var data = DataViewTrainingData.Create(small, col, 4, o with { MaxInMemoryRows = Rows - 1 }))
            Assert.Contains("streamed", data.Description);
        using (var data = DataViewTrainingData.Create(small, col, 4, o with { MaxInMemoryRows = 0 }))
            Assert.Contains("streamed", data.Description);

        // A view that does not know its row count (token rows) is counted while copying; too many rows -> stream.
        var flat = FlattenActivationsTests.PerDocumentView(ml, documents: 30, d: 4).Item1;
        var flatView = ml.Transforms.FlattenActivations().Fit(flat).Transform(flat);
        Assert.Null(flatView.GetRowCount());
        using (var data = DataViewTrainingData.Create(flatView, flatView.Schema["Activation"], 4, o with { MaxInMemoryRows = 10 }))
            Assert.Contains("streamed", data.Description);
        using (var data = DataViewTrainingData.Create(flatView, flatView.Schema["Activation"], 4, o))
            Assert.Contains("copied into memory", data.Description);

        var dir = CacheTestData.Write(300, 4);
        using var cache = ActivationCache.Open(dir);
        var view = new ActivationCacheDataView(cache);
        using (var data = DataViewTrainingData.Create(view, view.Schema["Activation"], 4, o))
            Assert.Contains("activation cache", data.Description);
    }

    [Fact]
    public void StreamedTrainingIsDeterministicAndTrains()
    {
        var x = Mixtures(1024);
        var ml = new MLContext(seed: 1);
        var o = new TrainSaeOptions { Training = SmallTraining(steps: 150), MaxInMemoryRows = 0, ShuffleBufferRows = 300 };
        using var a = ml.Transforms.TrainSae(o).Fit(View(ml, x));
        using var b = ml.Transforms.TrainSae(o).Fit(View(ml, x));
        Assert.Equal(a.Weights.EncoderWeights, b.Weights.EncoderWeights);
        Assert.True(Mse(a.Weights, x) < 0.5 * Variance(x), $"streamed training: error {Mse(a.Weights, x):F4} vs variance {Variance(x):F4}");
    }
}
