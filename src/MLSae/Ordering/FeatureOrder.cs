namespace MLSae.Ordering;

/// <summary>
/// Permutations of features. An order is "new index to old index": new feature j is old
/// feature <c>order[j]</c>, the convention of <see cref="Models.PermutationRecord"/>.
/// </summary>
public static class FeatureOrder
{
    /// <summary>0, 1, ..., m-1.</summary>
    public static int[] Identity(int m)
    {
        var order = new int[m];
        for (int i = 0; i < m; i++) order[i] = i;
        return order;
    }

    /// <summary>Indices sorted by <paramref name="keys"/> descending; equal keys (and NaNs, placed last) keep their index order.</summary>
    public static int[] SortDescending(ReadOnlySpan<double> keys)
    {
        var order = Identity(keys.Length);
        var k = keys.ToArray();
        // Array.Sort is not stable: break ties on the index so equal keys keep the current order.
        Array.Sort(order, (a, b) =>
        {
            double ka = double.IsNaN(k[a]) ? double.NegativeInfinity : k[a];
            double kb = double.IsNaN(k[b]) ? double.NegativeInfinity : k[b];
            int c = kb.CompareTo(ka);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }

    /// <summary>Indices sorted by <paramref name="keys"/> descending, stable (float keys).</summary>
    public static int[] SortDescending(ReadOnlySpan<float> keys)
    {
        var d = new double[keys.Length];
        for (int i = 0; i < d.Length; i++) d[i] = keys[i];
        return SortDescending(d);
    }

    /// <summary>A uniformly random permutation from <paramref name="seed"/> (Fisher-Yates).</summary>
    public static int[] Random(int m, int seed)
    {
        var order = Identity(m);
        new Random(seed).Shuffle(order);
        return order;
    }

    /// <summary>The inverse: <c>inverse[order[j]] = j</c> (old index to new index).</summary>
    public static int[] Invert(ReadOnlySpan<int> order)
    {
        Validate(order, nameof(order));
        var inverse = new int[order.Length];
        for (int j = 0; j < order.Length; j++) inverse[order[j]] = j;
        return inverse;
    }

    /// <summary>
    /// Applying <paramref name="first"/> then <paramref name="second"/> equals applying the result:
    /// <c>result[j] = first[second[j]]</c>.
    /// </summary>
    public static int[] Compose(ReadOnlySpan<int> first, ReadOnlySpan<int> second)
    {
        if (first.Length != second.Length)
            throw new ArgumentException($"Permutations differ in length ({first.Length} vs {second.Length}).", nameof(second));
        var result = new int[first.Length];
        for (int j = 0; j < result.Length; j++) result[j] = first[second[j]];
        return result;
    }

    /// <summary>True when <paramref name="order"/> is 0..m-1.</summary>
    public static bool IsIdentity(ReadOnlySpan<int> order)
    {
        for (int i = 0; i < order.Length; i++) if (order[i] != i) return false;
        return true;
    }

    /// <summary>Throws unless <paramref name="order"/> holds each of 0..m-1 exactly once.</summary>
    public static void Validate(ReadOnlySpan<int> order, string name)
    {
        var seen = new bool[order.Length];
        for (int j = 0; j < order.Length; j++)
        {
            int o = order[j];
            if ((uint)o >= (uint)order.Length)
                throw new ArgumentException($"{name}[{j}] = {o} is outside [0, {order.Length}); a feature order must be a permutation of 0..m-1.", name);
            if (seen[o])
                throw new ArgumentException($"{name} lists feature {o} twice; a feature order must be a permutation of 0..m-1.", name);
            seen[o] = true;
        }
    }

    /// <summary>Gathers <paramref name="source"/> by <paramref name="order"/>: <c>result[j] = source[order[j]]</c>.</summary>
    public static T[] Gather<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> order)
    {
        if (source.Length != order.Length)
            throw new ArgumentException($"Values ({source.Length}) and order ({order.Length}) differ in length.", nameof(order));
        var result = new T[order.Length];
        for (int j = 0; j < result.Length; j++) result[j] = source[order[j]];
        return result;
    }
}
