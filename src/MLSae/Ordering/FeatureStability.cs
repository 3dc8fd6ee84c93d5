namespace MLSae.Ordering;

/// <summary>
/// How stable an ordering is across checkpoints: of the top-n features by a key at one checkpoint, the
/// fraction still in the top-n at another. Keys must be indexed by original feature index (as the
/// tracker's history stores them), so reorders in between do not count as change.
/// </summary>
public static class FeatureStability
{
    /// <summary>|top_n(a) ∩ top_n(b)| / n, ties broken by index (as <see cref="FeatureOrder.SortDescending(ReadOnlySpan{double})"/>).</summary>
    public static double TopNOverlap(ReadOnlySpan<double> keysA, ReadOnlySpan<double> keysB, int n)
    {
        if (keysA.Length != keysB.Length)
            throw new ArgumentException($"Key vectors differ in length ({keysA.Length} vs {keysB.Length}).", nameof(keysB));
        if (n < 1 || n > keysA.Length)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be in [1, {keysA.Length}].");
        var a = FeatureOrder.SortDescending(keysA);
        var b = FeatureOrder.SortDescending(keysB);
        var inA = new bool[keysA.Length];
        for (int j = 0; j < n; j++) inA[a[j]] = true;
        int both = 0;
        for (int j = 0; j < n; j++) if (inA[b[j]]) both++;
        return both / (double)n;
    }

    /// <summary>Overlap of each snapshot with the next, for each n: result[n index][snapshot pair].</summary>
    public static double[][] Consecutive(IReadOnlyList<float[]> snapshots, IReadOnlyList<int> topN)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(topN);
        var result = new double[topN.Count][];
        for (int t = 0; t < topN.Count; t++)
        {
            result[t] = new double[Math.Max(0, snapshots.Count - 1)];
            for (int s = 0; s + 1 < snapshots.Count; s++)
                result[t][s] = TopNOverlap(ToDouble(snapshots[s]), ToDouble(snapshots[s + 1]), topN[t]);
        }
        return result;
    }

    /// <summary>Overlap of each snapshot with the last one, for each n: result[n index][snapshot].</summary>
    public static double[][] VersusFinal(IReadOnlyList<float[]> snapshots, IReadOnlyList<int> topN)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(topN);
        var result = new double[topN.Count][];
        if (snapshots.Count == 0) { for (int t = 0; t < topN.Count; t++) result[t] = []; return result; }
        var last = ToDouble(snapshots[^1]);
        for (int t = 0; t < topN.Count; t++)
        {
            result[t] = new double[snapshots.Count];
            for (int s = 0; s < snapshots.Count; s++)
                result[t][s] = TopNOverlap(ToDouble(snapshots[s]), last, topN[t]);
        }
        return result;
    }

    static double[] ToDouble(float[] v) => Array.ConvertAll(v, x => (double)x);
}
