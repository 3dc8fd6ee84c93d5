using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;

namespace MLSae.Ordering;

/// <summary>Reconstruction quality using only the first <see cref="Features"/> features of an order.</summary>
/// <param name="Features">n, the prefix length.</param>
/// <param name="Mse">mean over tokens of ||x - x_hat_n||^2 / d.</param>
/// <param name="ExplainedVariance">1 - E||x - x_hat_n||^2 / (E||x||^2 - ||E x||^2) (design.md's corrected form).</param>
public readonly record struct PrefixCurvePoint(int Features, double Mse, double ExplainedVariance);

/// <summary>A prefix curve of one ordering.</summary>
/// <param name="Name">The ordering's name, e.g. "frequency".</param>
/// <param name="Order">The order judged (rank j is feature Order[j] of the SAE as given).</param>
/// <param name="Points">One point per grid size, ascending.</param>
public sealed record PrefixCurve(string Name, int[] Order, IReadOnlyList<PrefixCurvePoint> Points);

/// <summary>
/// Prefix curves: codes are computed with the full SAE, then only the first n features of an order are
/// kept (the rest zeroed) to reconstruct. A good order front-loads what matters: its curve rises fastest.
/// </summary>
public static class PrefixCurves
{
    /// <summary>1, 2, 4, ... up to m, with m itself last.</summary>
    public static int[] LogGrid(int m)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        var grid = new List<int>();
        for (long n = 1; n < m; n *= 2) grid.Add((int)n);
        grid.Add(m);
        return [.. grid];
    }

    /// <summary>
    /// The standard comparison: original, frequency, mean activation, importance and random orders (keys computed
    /// on the same rows), on <see cref="LogGrid"/>.
    /// </summary>
    public static IReadOnlyList<PrefixCurve> CompareOrderings(SaeWeights weights, IActivationSource activations, long maxRows = 100_000,
        int seed = 0, IProgress<ProgressInfo>? progress = null)
    {
        var stats = FeatureStatistics.Compute(weights, activations, maxRows);
        int m = weights.FeatureCount;
        (string, int[])[] orders =
        [
            ("original", FeatureOrder.Identity(m)),
            ("frequency", FeatureOrder.SortDescending(stats.Frequency)),
            ("mean_activation", FeatureOrder.SortDescending(stats.MeanActivation)),
            ("importance", FeatureOrder.SortDescending(stats.Importance())),
            ("random", FeatureOrder.Random(m, seed)),
        ];
        return Compute(weights, activations, orders, LogGrid(m), maxRows, progress);
    }

    /// <summary>Prefix curves of <paramref name="orders"/> at prefix sizes <paramref name="grid"/> (ascending, 1..m).</summary>
    public static IReadOnlyList<PrefixCurve> Compute(SaeWeights weights, IActivationSource activations,
        IReadOnlyList<(string Name, int[] Order)> orders, int[] grid, long maxRows = 100_000, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(grid);
        int d = weights.InputDim, m = weights.FeatureCount;
        if (activations.Dimension != d)
            throw new ArgumentException($"Activations have d={activations.Dimension} but the SAE reads d={d}.", nameof(activations));
        for (int g = 0; g < grid.Length; g++)
            if (grid[g] < 1 || grid[g] > m || (g > 0 && grid[g] <= grid[g - 1]))
                throw new ArgumentException($"Grid must be strictly ascending within [1, {m}]; entry {g} is {grid[g]}.", nameof(grid));
        var ranks = new int[orders.Count][];
        for (int o = 0; o < orders.Count; o++)
        {
            if (orders[o].Order.Length != m)
                throw new ArgumentException($"Order '{orders[o].Name}' has {orders[o].Order.Length} entries; the SAE has {m} features.", nameof(orders));
            ranks[o] = FeatureOrder.Invert(orders[o].Order);
        }

        long total = Math.Min(maxRows, activations.RowCount);
        if (total <= 0) throw new ArgumentException("The activation source has no rows.", nameof(activations));
        const int batch = 256;
        var forward = new SaeCpuForward(weights);
        var x = new float[batch * d];
        var f = new float[(long)batch * m];
        var err = new double[orders.Count, grid.Length];
        var sumX = new double[d];
        double sumSq = 0;
        var xhat = new double[d];
        var active = new List<(int Rank, int Feature)>();
        for (long row = 0; row < total; row += batch)
        {
            int n = (int)Math.Min(batch, total - row);
            activations.ReadRows(row, n, x.AsSpan(0, n * d));
            forward.Encode(x.AsSpan(0, n * d), n, f.AsSpan(0, n * m));
            for (int r = 0; r < n; r++)
            {
                var xr = x.AsSpan(r * d, d);
                var fr = f.AsSpan(r * m, m);
                for (int k = 0; k < d; k++) { sumX[k] += xr[k]; sumSq += (double)xr[k] * xr[k]; }
                for (int o = 0; o < orders.Count; o++)
                {
                    active.Clear();
                    for (int i = 0; i < m; i++) if (fr[i] != 0f) active.Add((ranks[o][i], i));
                    active.Sort();
                    for (int k = 0; k < d; k++) xhat[k] = weights.DecoderBias[k];
                    int a = 0;
                    for (int g = 0; g < grid.Length; g++)
                    {
                        for (; a < active.Count && active[a].Rank < grid[g]; a++)
                        {
                            int i = active[a].Feature;
                            double c = fr[i];
                            var row2 = weights.DecoderRow(i);
                            for (int k = 0; k < d; k++) xhat[k] += c * row2[k];
                        }
                        double e = 0;
                        for (int k = 0; k < d; k++) { double diff = xr[k] - xhat[k]; e += diff * diff; }
                        err[o, g] += e;
                    }
                }
            }
            progress?.Report(new ProgressInfo(row + n, total, "rows", "prefix curves"));
        }
        double meanNormSq = 0;
        for (int k = 0; k < d; k++) meanNormSq += (sumX[k] / total) * (sumX[k] / total);
        double variance = sumSq / total - meanNormSq;
        var curves = new List<PrefixCurve>(orders.Count);
        for (int o = 0; o < orders.Count; o++)
        {
            var points = new PrefixCurvePoint[grid.Length];
            for (int g = 0; g < grid.Length; g++)
            {
                double meanErr = err[o, g] / total;
                points[g] = new PrefixCurvePoint(grid[g], meanErr / d, variance > 0 ? 1 - meanErr / variance : double.NaN);
            }
            curves.Add(new PrefixCurve(orders[o].Name, (int[])orders[o].Order.Clone(), points));
        }
        return curves;
    }
}
