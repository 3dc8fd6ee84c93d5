using System.Numerics.Tensors;
using MLSae.Models;

namespace MLSae.Browsing;

/// <summary>Decoder norms and nearest features by decoder cosine (an m x m sweep, parallel over features, keeping n per row).</summary>
internal static class DecoderGeometry
{
    /// <summary>L2 norm of every decoder row.</summary>
    public static float[] Norms(SaeWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var norms = new float[weights.FeatureCount];
        for (int i = 0; i < norms.Length; i++) norms[i] = TensorPrimitives.Norm(weights.DecoderRow(i));
        return norms;
    }

    /// <summary>For each feature, the <paramref name="count"/> other features with the largest decoder cosine, largest first (ties: lower index).</summary>
    public static Neighbour[][] Nearest(SaeWeights weights, int count)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int m = weights.FeatureCount, d = weights.InputDim;
        count = Math.Min(count, m - 1);
        var unit = new float[(long)m * d];
        for (int i = 0; i < m; i++)
        {
            var row = weights.DecoderRow(i);
            float n = TensorPrimitives.Norm(row);
            if (n > 0) TensorPrimitives.Divide(row, n, unit.AsSpan(i * d, d));
        }
        var result = new Neighbour[m][];
        Parallel.For(0, m, () => new float[m], (i, _, cos) =>
        {
            var a = unit.AsSpan(i * d, d);
            for (int j = 0; j < m; j++) cos[j] = j == i ? float.NegativeInfinity : TensorPrimitives.Dot(a, unit.AsSpan(j * d, d));
            var best = new List<Neighbour>(count + 1);
            for (int j = 0; j < m && count > 0; j++)
            {
                if (best.Count == count && cos[j] <= best[^1].Cosine) continue;
                int p = best.Count;
                while (p > 0 && best[p - 1].Cosine < cos[j]) p--;
                best.Insert(p, new Neighbour(j, cos[j]));
                if (best.Count > count) best.RemoveAt(count);
            }
            result[i] = [.. best];
            return cos;
        }, _ => { });
        return result;
    }

    /// <summary>Where current feature <paramref name="index"/> stood after each recorded reorder, oldest first.</summary>
    public static OrderMove[] Moves(SaeInfo info, int index, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(info);
        var records = info.Permutations;
        if (records.Count == 0 || records.Any(r => r.Order.Length != featureCount)) return [];
        // After the last reorder the feature sits at its current index; before reorder r it sat at Order_r[position].
        var moves = new OrderMove[records.Count];
        int pos = index;
        for (int r = records.Count - 1; r >= 0; r--)
        {
            moves[r] = new OrderMove(records[r].Step, pos);
            pos = records[r].Order[pos];
        }
        return moves;
    }
}
