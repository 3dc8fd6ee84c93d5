using MLSae.Models;
namespace MLSae.Evaluation.Features;

/// <summary>
/// Streams codes and keeps, per feature, the firing count, the activation sum and the
/// <see cref="TopExamples"/> rows with the largest activation (a bounded min-heap per feature, so
/// memory is O(m x top)). Pass it to <see cref="MetricsEvaluator.Evaluate(Activations.IActivationSource, ISaeForward, ICodeObserver?, IProgress{Diagnostics.ProgressInfo}?, CancellationToken)"/>.
/// </summary>
public sealed class FeatureTableBuilder : ICodeObserver
{
    readonly PriorityQueue<long, (float Activation, long NegRow)>[] _top;
    readonly long[] _firing;
    readonly double[] _sum;
    long _rows;

    /// <summary>Creates a builder for <paramref name="featureCount"/> features keeping <paramref name="topExamples"/> rows each.</summary>
    public FeatureTableBuilder(int featureCount, int topExamples = 10)
    {
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "m must be positive.");
        if (topExamples < 0) throw new ArgumentOutOfRangeException(nameof(topExamples), topExamples, "Use 0 or more top examples.");
        FeatureCount = featureCount;
        TopExamples = topExamples;
        _top = new PriorityQueue<long, (float, long)>[featureCount];
        for (int i = 0; i < featureCount; i++) _top[i] = new PriorityQueue<long, (float, long)>(topExamples + 1);
        _firing = new long[featureCount];
        _sum = new double[featureCount];
    }

    /// <summary>m.</summary>
    public int FeatureCount { get; }
    /// <summary>Rows kept per feature.</summary>
    public int TopExamples { get; }

    /// <inheritdoc />
    public void Observe(ReadOnlySpan<float> codes, int rows, long firstRow)
    {
        int m = FeatureCount;
        for (int r = 0; r < rows; r++)
        {
            var f = codes.Slice(r * m, m);
            long row = firstRow + r;
            for (int i = 0; i < m; i++)
            {
                float v = f[i];
                if (v == 0f) continue;
                _firing[i]++;
                _sum[i] += v;
                if (TopExamples == 0) continue;
                // Priority (activation, -row): the heap's minimum is the weakest, latest row, so ties keep earlier rows.
                var q = _top[i];
                var key = (v, -row);
                if (q.Count < TopExamples) q.Enqueue(row, key);
                else if (q.TryPeek(out _, out var min) && Compare(key, min) > 0) q.EnqueueDequeue(row, key);
            }
        }
        _rows += rows;
    }

    static int Compare((float A, long B) x, (float A, long B) y) => x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B);

    /// <summary>The table so far: per feature, frequency, mean activation (over firing rows) and top rows, strongest first.</summary>
    public FeatureTable Build()
    {
        var entries = new FeatureEntry[FeatureCount];
        for (int i = 0; i < FeatureCount; i++)
        {
            var items = _top[i].UnorderedItems.Select(e => new FeatureExample(e.Element, e.Priority.Activation))
                .OrderByDescending(e => e.Activation).ThenBy(e => e.Row).ToArray();
            entries[i] = new FeatureEntry(i, _rows == 0 ? 0 : (double)_firing[i] / _rows,
                _firing[i] == 0 ? 0 : _sum[i] / _firing[i], items);
        }
        return new FeatureTable(_rows, entries);
    }
}

/// <summary>One strongly activating row of a feature.</summary>
/// <param name="Row">Row in the activation source.</param>
/// <param name="Activation">f_i on that row.</param>
public readonly record struct FeatureExample(long Row, float Activation);

/// <summary>One feature's row of the table.</summary>
/// <param name="Index">Feature index in the SAE's current order.</param>
/// <param name="Frequency">Fraction of rows with f_i != 0.</param>
/// <param name="MeanActivation">Mean f_i over the rows where it fired.</param>
/// <param name="Top">Strongest rows, strongest first (ties: earlier row first).</param>
public sealed record FeatureEntry(int Index, double Frequency, double MeanActivation, FeatureExample[] Top);
