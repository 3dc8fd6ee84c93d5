namespace MLSae.Browsing;

/// <summary>
/// The streaming pass: per feature, firing count, sum and max of the activation when firing (f_i &gt; 0), a log-binned
/// histogram, the top-k activating rows (bounded min-heap) and a uniform reservoir of firings (Algorithm R with one
/// SplitMix64 stream per feature, so the result does not depend on thread count). Memory is O(m x (k + R + bins)):
/// codes are looked at one batch at a time and never kept.
/// </summary>
public sealed class FeatureStatisticsCollector
{
    readonly int _m, _k, _r;
    readonly long[] _count;
    readonly double[] _sum;
    readonly float[] _max;
    readonly int[] _hist;
    readonly float[] _topValue;
    readonly long[] _topRow;
    readonly int[] _topCount;
    readonly float[] _resValue;
    readonly long[] _resRow;
    readonly SplitMix64[] _rng;

    /// <summary>Creates empty statistics for <paramref name="featureCount"/> features.</summary>
    public FeatureStatisticsCollector(int featureCount, int topContexts, int reservoirSize, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topContexts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(reservoirSize);
        _m = featureCount; _k = topContexts; _r = reservoirSize;
        _count = new long[_m];
        _sum = new double[_m];
        _max = new float[_m];
        _hist = new int[_m * ActivationHistogram.Bins];
        _topValue = new float[_m * _k];
        _topRow = new long[_m * _k];
        _topCount = new int[_m];
        _resValue = new float[_m * _r];
        _resRow = new long[_m * _r];
        _rng = new SplitMix64[_m];
        for (int i = 0; i < _m; i++) _rng[i] = SplitMix64.ForStream(seed, 0, i);
    }

    /// <summary>Rows seen.</summary>
    public long Rows { get; private set; }

    /// <summary>
    /// Adds <paramref name="rows"/> code rows ([rows, m]) whose first is cache row <paramref name="firstRow"/>.
    /// Batches must arrive in increasing row order (ties in the top-k keep the earlier row).
    /// </summary>
    public void Add(float[] codes, int rows, long firstRow)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.LongLength < (long)rows * _m) throw new ArgumentException($"codes holds {codes.Length} values; {rows} rows of m = {_m} need {(long)rows * _m}.", nameof(codes));
        // Each worker owns a block of features, so no locks and a deterministic result.
        int blocks = Math.Min(_m, Environment.ProcessorCount * 4);
        Parallel.For(0, blocks, b =>
        {
            int lo = (int)((long)_m * b / blocks), hi = (int)((long)_m * (b + 1) / blocks);
            for (int r = 0; r < rows; r++)
            {
                var row = codes.AsSpan(r * _m + lo, hi - lo);
                for (int j = 0; j < row.Length; j++)
                    if (row[j] > 0) Fire(lo + j, row[j], firstRow + r);
            }
        });
        Rows += rows;
    }

    void Fire(int i, float v, long row)
    {
        long t = ++_count[i];
        _sum[i] += v;
        if (v > _max[i]) _max[i] = v;
        _hist[i * ActivationHistogram.Bins + ActivationHistogram.Bin(v)]++;
        PushTop(i, v, row);
        // Algorithm R: the t-th firing replaces a uniformly chosen slot with probability R / t.
        if (t <= _r) { _resValue[i * _r + t - 1] = v; _resRow[i * _r + t - 1] = row; }
        else
        {
            long j = (long)(_rng[i].NextDouble() * t);
            if (j < _r) { _resValue[i * _r + j] = v; _resRow[i * _r + j] = row; }
        }
    }

    // Min-heap on (value, then later row is smaller) so the root is the entry to drop.
    void PushTop(int i, float v, long row)
    {
        int o = i * _k, n = _topCount[i];
        var val = _topValue.AsSpan(o, _k);
        var rw = _topRow.AsSpan(o, _k);
        if (n < _k)
        {
            int c = n;
            _topCount[i] = n + 1;
            while (c > 0)
            {
                int p = (c - 1) / 2;
                if (!Worse(v, row, val[p], rw[p])) break;
                val[c] = val[p]; rw[c] = rw[p]; c = p;
            }
            val[c] = v; rw[c] = row;
            return;
        }
        if (!Worse(val[0], rw[0], v, row)) return;
        int q = 0;
        while (true)
        {
            int l = 2 * q + 1;
            if (l >= _k) break;
            int w = l + 1 < _k && Worse(val[l + 1], rw[l + 1], val[l], rw[l]) ? l + 1 : l;
            if (!Worse(val[w], rw[w], v, row)) break;
            val[q] = val[w]; rw[q] = rw[w]; q = w;
        }
        val[q] = v; rw[q] = row;
    }

    static bool Worse(float a, long ra, float b, long rb) => a < b || (a == b && ra > rb);

    /// <summary>Times feature <paramref name="i"/> fired.</summary>
    public long Count(int i) => _count[i];
    /// <summary>Fraction of rows on which feature <paramref name="i"/> fired.</summary>
    public double Frequency(int i) => Rows == 0 ? 0 : (double)_count[i] / Rows;
    /// <summary>Mean activation when firing (0 when it never fired).</summary>
    public double MeanWhenFiring(int i) => _count[i] == 0 ? 0 : _sum[i] / _count[i];
    /// <summary>Largest activation (0 when it never fired).</summary>
    public float Max(int i) => _max[i];
    /// <summary>Histogram counts over <see cref="ActivationHistogram"/> bins.</summary>
    public ReadOnlySpan<int> Histogram(int i) => _hist.AsSpan(i * ActivationHistogram.Bins, ActivationHistogram.Bins);

    /// <summary>The top activating rows, largest activation first (ties: earlier row first).</summary>
    public (long Row, float Value)[] Top(int i)
    {
        int o = i * _k, n = _topCount[i];
        var list = new (long Row, float Value)[n];
        for (int j = 0; j < n; j++) list[j] = (_topRow[o + j], _topValue[o + j]);
        Array.Sort(list, (a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : a.Row.CompareTo(b.Row));
        return list;
    }

    /// <summary>The reservoir: a uniform sample of min(R, count) firings, sorted by activation (ascending, ties by row).</summary>
    public (long Row, float Value)[] Reservoir(int i)
    {
        int n = (int)Math.Min(_r, _count[i]), o = i * _r;
        var list = new (long Row, float Value)[n];
        for (int j = 0; j < n; j++) list[j] = (_resRow[o + j], _resValue[o + j]);
        Array.Sort(list, (a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : a.Row.CompareTo(b.Row));
        return list;
    }
}
