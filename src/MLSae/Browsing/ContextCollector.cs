using MLSae.Activations.Cache;
using MLSae.Diagnostics;

namespace MLSae.Browsing;

/// <summary>
/// The contexts to show (feature, activating row) and, in <see cref="Resolve"/>, the second pass: every row inside a
/// kept window is read once, in row order, and each window gets its own feature's code on it (<see cref="SingleFeatureCodes"/>:
/// one dot product per window token, not a full encoding of the row).
/// </summary>
sealed class ContextCollector(ActivationCache cache, FeatureBrowserOptions options)
{
    readonly List<(int Feature, long Row, float Value)> _contexts = [];

    /// <summary>Registers a context and returns its id.</summary>
    public int Add(int feature, long row, float value)
    {
        _contexts.Add((feature, row, value));
        return _contexts.Count - 1;
    }

    /// <summary>
    /// Reads every window and each token's activation of the window's feature (<paramref name="codes"/>; for TopK,
    /// <paramref name="rowThreshold"/> holds every cache row's threshold from the streaming pass).
    /// </summary>
    public BrowserContext[] Resolve(SingleFeatureCodes codes, float[]? rowThreshold, Func<int, string?> decode, IProgress<ProgressInfo>? progress)
    {
        int before = options.ContextBefore, after = options.ContextAfter, span = before + after + 1;
        var ids = new int[span];
        var docs = new long[span];
        var windows = new (long First, int Count, int Center, int[] Ids, long Doc)[_contexts.Count];
        var entries = new List<(long Row, int Context, int Offset)>();
        for (int c = 0; c < _contexts.Count; c++)
        {
            long row = _contexts[c].Row;
            long first = Math.Max(0, row - before), last = Math.Min(cache.RowCount - 1, row + after);
            int n = (int)(last - first + 1), center = (int)(row - first);
            cache.ReadTokenIds(first, n, ids);
            cache.ReadDocumentIds(first, n, docs);
            // Keep the contiguous run of the activating row's document: documents never interleave in a cache.
            int lo = center, hi = center;
            while (lo > 0 && docs[lo - 1] == docs[center]) lo--;
            while (hi < n - 1 && docs[hi + 1] == docs[center]) hi++;
            windows[c] = (first + lo, hi - lo + 1, center - lo, ids[lo..(hi + 1)], docs[center]);
            for (int j = 0; j <= hi - lo; j++) entries.Add((first + lo + j, c, j));
        }
        entries.Sort((a, b) => a.Row != b.Row ? a.Row.CompareTo(b.Row) : a.Context != b.Context ? a.Context.CompareTo(b.Context) : a.Offset.CompareTo(b.Offset));

        var values = new float[_contexts.Count][];
        for (int c = 0; c < windows.Length; c++) values[c] = new float[windows[c].Count];
        // Rows are read in batches of contiguous runs; each row is centred once and every (context, offset) on it gets one dot product.
        int d = cache.Dimension, batch = options.BatchSize;
        var x = new float[(long)batch * d];
        var batchRows = new List<long>(batch);
        var firstEntry = new List<int>(batch + 1);
        int e0 = 0;
        while (e0 < entries.Count)
        {
            batchRows.Clear();
            firstEntry.Clear();
            int e1 = e0;
            while (e1 < entries.Count && (batchRows.Count < batch || entries[e1].Row == batchRows[^1]))
            {
                if (batchRows.Count == 0 || entries[e1].Row != batchRows[^1]) { batchRows.Add(entries[e1].Row); firstEntry.Add(e1); }
                e1++;
            }
            firstEntry.Add(e1);
            for (int r = 0; r < batchRows.Count;)
            {
                int run = 1;
                while (r + run < batchRows.Count && batchRows[r + run] == batchRows[r] + run) run++;
                cache.ReadRows(batchRows[r], run, x.AsSpan(r * d, run * d));
                r += run;
            }
            Parallel.For(0, batchRows.Count, () => new float[d], (local, _, centered) =>
            {
                codes.Center(x.AsSpan(local * d, d), centered);
                float threshold = rowThreshold is null ? 0f : rowThreshold[batchRows[local]];
                for (int e = firstEntry[local]; e < firstEntry[local + 1]; e++)
                {
                    var (_, c, off) = entries[e];
                    values[c][off] = codes.Code(_contexts[c].Feature, centered, threshold);
                }
                return centered;
            }, _ => { });
            progress?.Report(new ProgressInfo(e1, entries.Count, "window tokens", "contexts"));
            e0 = e1;
        }

        var result = new BrowserContext[_contexts.Count];
        for (int c = 0; c < result.Length; c++)
        {
            var w = windows[c];
            result[c] = new BrowserContext(_contexts[c].Row, _contexts[c].Value, w.Doc, w.Center, w.Ids, [.. w.Ids.Select(decode)], values[c]);
        }
        return result;
    }
}
