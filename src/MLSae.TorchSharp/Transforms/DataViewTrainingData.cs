using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;
using MLSae.Activations.Data;
using MLSae.Diagnostics;
using MLSae.Training;

namespace MLSae.Transforms;

/// <summary>
/// Chooses how <see cref="SaeTrainerEstimator"/> reads its data view:
/// <list type="bullet">
/// <item>an activation-cache view (<c>LoadFromActivationCache</c>) is read by position from its memory-mapped
/// shards through the <see cref="ActivationStore"/>, as `mlsae train` reads a cache (nothing copied);</item>
/// <item>a view of at most <see cref="TrainSaeOptions.MaxInMemoryRows"/> rows is copied into memory once
/// (rows x d floats) and served by the same store (seeded shuffle, full permutation when it fits the buffer);</item>
/// <item>anything larger is streamed (<see cref="DataViewStreamingBatchSource"/>): one cursor pass per epoch,
/// shuffled within windows; each pass re-runs the transforms that compute the view.</item>
/// </list>
/// </summary>
sealed class DataViewTrainingData : IDisposable
{
    DataViewTrainingData(ITrainingBatchSource batches, string description)
    {
        Batches = batches;
        Description = description;
    }

    public ITrainingBatchSource Batches { get; }

    /// <summary>How the data is read, for logs.</summary>
    public string Description { get; }

    public static DataViewTrainingData Create(IDataView view, DataViewSchema.Column column, int d, TrainSaeOptions o, IProgress<ProgressInfo>? progress = null)
    {
        int seed = o.Training.Seed;
        if (view is ActivationCacheDataView cache && column.Name == ActivationCacheDataView.ActivationColumn)
            return new(Store(cache.Cache, column.Name, seed, o.ShuffleBufferRows), $"activation cache ({cache.Cache.RowCount:N0} rows, read in place)");
        long limit = Math.Min(o.MaxInMemoryRows, Array.MaxLength / d);
        long? known = view.GetRowCount();
        if (limit > 0 && (known is null || known <= limit) && TryLoad(view, column, d, limit, known, progress, out var rows))
            return new(Store(new InMemoryActivationSource(rows, d), column.Name, seed, o.ShuffleBufferRows), $"{rows.Length / d:N0} rows copied into memory");
        return new(new DataViewStreamingBatchSource(view, column.Name, d, seed, o.ShuffleBufferRows),
            $"streamed (more than {limit:N0} rows): one pass of the data view per epoch");
    }

    static ActivationStoreBatchSource Store(IActivationSource source, string column, int seed, int shuffleRows)
    {
        if (source.RowCount == 0) throw new ArgumentException($"The data view has no rows in column '{column}' to train on; fit TrainSae on data with at least one token.");
        return new(new ActivationStore(source, new ActivationStoreOptions
        {
            Seed = seed, ShuffleBufferRows = shuffleRows, ChunkRows = Math.Min(ActivationStoreDefaults.ChunkRows, shuffleRows),
        }));
    }

    /// <summary>Copies the column into one array; false (and nothing kept) when it has more than <paramref name="limit"/> rows.</summary>
    static bool TryLoad(IDataView view, DataViewSchema.Column column, int d, long limit, long? known, IProgress<ProgressInfo>? progress, out float[] rows)
    {
        var data = new float[(int)Math.Min(known ?? 4096, limit) * d];
        long n = 0;
        using (var cursor = view.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                if (n == limit) { rows = []; return false; }
                if ((n + 1) * d > data.Length) Array.Resize(ref data, (int)Math.Min(Math.Max(2L * data.Length, d), limit * d));
                getter(ref row);
                if (row.Length != d)
                    throw new InvalidDataException($"Row {cursor.Position} of column '{column.Name}' has {row.Length} values; expected d = {d}.");
                row.CopyTo(data.AsSpan((int)(n * d), d));
                n++;
                if (n % 4096 == 0) progress?.Report(new ProgressInfo(n, known ?? 0, "rows", $"reading column '{column.Name}' into memory"));
            }
        }
        progress?.Report(new ProgressInfo(n, n, "rows", $"read {n:N0} rows of column '{column.Name}'"));
        rows = n * d == data.Length ? data : data[..(int)(n * d)];
        return true;
    }

    public void Dispose() => (Batches as IDisposable)?.Dispose();
}
