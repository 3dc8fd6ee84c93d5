using System.Numerics.Tensors;
using MLSae.Models;

namespace MLSae.Evaluation.Consistency;

/// <summary>Index consistency over the first <see cref="Features"/> features.</summary>
/// <param name="Features">n: features 0 .. n-1 of each SAE.</param>
/// <param name="MeanCosine">Mean over i &lt; n of cos(W_dec,a[i], W_dec,b[i]).</param>
public readonly record struct IndexConsistencyPoint(int Features, double MeanCosine);

/// <summary>How alike two SAEs' dictionaries are (see <see cref="FeatureConsistency"/>).</summary>
public sealed record FeatureConsistencyResult
{
    /// <summary>Features of the first SAE.</summary>
    public required int FeatureCountA { get; init; }
    /// <summary>Features of the second SAE.</summary>
    public required int FeatureCountB { get; init; }
    /// <summary>Mean over A's features of the largest decoder cosine with any feature of B.</summary>
    public required double MeanMaxCosine { get; init; }
    /// <summary>The same from B to A.</summary>
    public required double MeanMaxCosineReverse { get; init; }
    /// <summary>Whether the one-to-one assignment was computed (skipped above <see cref="FeatureConsistency.MaxAssignmentFeatures"/>).</summary>
    public required bool AssignmentComputed { get; init; }
    /// <summary>Mean decoder cosine of the optimally matched pairs (one-to-one, maximising the sum); NaN when not computed.</summary>
    public required double AssignedMeanCosine { get; init; }
    /// <summary>Fraction of matched pairs with cosine above 0.7.</summary>
    public required double FractionAbove07 { get; init; }
    /// <summary>Fraction of matched pairs with cosine above 0.9.</summary>
    public required double FractionAbove09 { get; init; }
    /// <summary>For each feature of the smaller SAE (A when equal), its match in the other; null when not computed.</summary>
    public int[]? Assignment { get; init; }
    /// <summary>Index consistency at n = 1, 2, 4, ..., min(m_a, m_b): whether the same index means the same feature.</summary>
    public required IReadOnlyList<IndexConsistencyPoint> IndexConsistency { get; init; }
}

/// <summary>
/// Cross-seed consistency of two SAEs on the same activations, by decoder direction: the mean max cosine (as in
/// the SAE seed-consistency literature), an optimal one-to-one matching with the fraction of pairs above 0.7 and 0.9
/// (the ordered-SAE paper's consistency measure, arXiv 2512.02194), and index consistency: the cosine between feature
/// i of one and feature i of the other, over the first n features, which is what a stable order should make high.
/// Cosines are signed: a feature and its negation are different features for non-negative codes.
/// </summary>
public static class FeatureConsistency
{
    /// <summary>Above this many features (either SAE) the O(m^3) optimal assignment is skipped.</summary>
    public const int MaxAssignmentFeatures = 8192;

    /// <summary>Compares the dictionaries of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static FeatureConsistencyResult Compute(SaeWeights a, SaeWeights b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.InputDim != b.InputDim)
            throw new ArgumentException($"The SAEs read different widths (d = {a.InputDim} and {b.InputDim}); compare SAEs trained on the same hook.", nameof(b));
        int ma = a.FeatureCount, mb = b.FeatureCount;
        var ua = UnitRows(a);
        var ub = UnitRows(b);
        var cos = Cosines(ua, ub, ma, mb, a.InputDim);
        var (maxA, maxB) = RowAndColumnMaxima(cos, ma, mb);

        bool assign = Math.Max(ma, mb) <= MaxAssignmentFeatures;
        int[]? assignment = null;
        double assigned = double.NaN, above07 = double.NaN, above09 = double.NaN;
        if (assign)
        {
            bool transpose = ma > mb;
            var matrix = transpose ? Transpose(cos, ma, mb) : cos;
            int rows = Math.Min(ma, mb), columns = Math.Max(ma, mb);
            assignment = LinearAssignment.Maximize(matrix, rows, columns);
            var pairs = Enumerable.Range(0, rows).Select(r => (double)matrix[(long)r * columns + assignment[r]]).ToArray();
            assigned = pairs.Average();
            above07 = pairs.Count(c => c > 0.7) / (double)rows;
            above09 = pairs.Count(c => c > 0.9) / (double)rows;
        }
        return new FeatureConsistencyResult
        {
            FeatureCountA = ma, FeatureCountB = mb, MeanMaxCosine = maxA.Average(), MeanMaxCosineReverse = maxB.Average(),
            AssignmentComputed = assign, AssignedMeanCosine = assigned, FractionAbove07 = above07, FractionAbove09 = above09,
            Assignment = assignment, IndexConsistency = IndexCurve(cos, Math.Min(ma, mb), mb),
        };
    }

    /// <summary>Decoder rows scaled to unit norm (a zero row stays zero).</summary>
    internal static float[] UnitRows(SaeWeights w)
    {
        int d = w.InputDim;
        var u = (float[])w.DecoderWeights.Clone();
        for (int i = 0; i < w.FeatureCount; i++)
        {
            var row = u.AsSpan(i * d, d);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        }
        return u;
    }

    /// <summary>[ma, mb] row-major cosines.</summary>
    internal static float[] Cosines(float[] ua, float[] ub, int ma, int mb, int d)
    {
        var cos = new float[(long)ma * mb];
        Parallel.For(0, ma, i =>
        {
            var row = ua.AsSpan(i * d, d);
            for (int j = 0; j < mb; j++) cos[(long)i * mb + j] = TensorPrimitives.Dot(row, ub.AsSpan(j * d, d));
        });
        return cos;
    }

    static (double[] RowMax, double[] ColumnMax) RowAndColumnMaxima(float[] cos, int ma, int mb)
    {
        var rowMax = new double[ma];
        var columnMax = Enumerable.Repeat(double.NegativeInfinity, mb).ToArray();
        for (int i = 0; i < ma; i++)
        {
            var row = cos.AsSpan(i * mb, mb);
            rowMax[i] = TensorPrimitives.Max(row);
            for (int j = 0; j < mb; j++) columnMax[j] = Math.Max(columnMax[j], row[j]);
        }
        return (rowMax, columnMax);
    }

    static float[] Transpose(float[] m, int rows, int columns)
    {
        var t = new float[m.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) t[(long)c * rows + r] = m[(long)r * columns + c];
        return t;
    }

    static IndexConsistencyPoint[] IndexCurve(float[] cos, int n, int mb)
    {
        var points = new List<IndexConsistencyPoint>();
        double sum = 0;
        int next = 1;
        for (int i = 0; i < n; i++)
        {
            sum += cos[(long)i * mb + i];
            if (i + 1 == next || i + 1 == n)
            {
                points.Add(new IndexConsistencyPoint(i + 1, sum / (i + 1)));
                if (i + 1 == next) next *= 2;
            }
        }
        return [.. points.DistinctBy(p => p.Features)];
    }
}
