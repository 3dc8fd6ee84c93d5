using System.Buffers;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// CPU kernels for k-sparse codes: token row b holds k (feature index, value) pairs in [B, k] tensors.
/// Each costs B·k·d multiply-adds where the dense products cost B·m·d, so the TopK decoder and both
/// weight gradients stop scaling with m. Every output element is written by one loop in a fixed order,
/// so results do not depend on thread scheduling.
/// </summary>
static class SparseCodeKernels
{
    const int RowsPerTask = 64, FeaturesPerTask = 256;

    /// <summary>Whether the kernels can run on <paramref name="t"/>'s device and type (float32 on the CPU).</summary>
    public static bool Supports(Tensor t) => t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32;

    /// <summary>out[b] = Σ_j values[b,j] · rows[indices[b,j]], [B, d].</summary>
    public static Tensor Combine(Tensor values, Tensor indices, Tensor rows)
    {
        var (batch, k, d) = Shape(indices, rows, values);
        var output = zeros(batch, d);
        For(batch, RowsPerTask, (from, to) =>
        {
            var v = Floats(values); var ix = Longs(indices); var w = Floats(rows); var o = Floats(output);
            for (long b = from; b < to; b++)
            {
                var dst = o.Slice((int)(b * d), d);
                for (long j = b * k; j < (b + 1) * k; j++)
                    if (v[(int)j] != 0f) TensorPrimitives.MultiplyAdd(w.Slice((int)(ix[(int)j] * d), d), v[(int)j], dst, dst);
            }
        });
        return output;
    }

    /// <summary>out[b,j] = g[b] · rows[indices[b,j]], [B, k]: the gradient of <see cref="Combine"/> with respect to the values.</summary>
    public static Tensor Dots(Tensor g, Tensor indices, Tensor rows)
    {
        var (batch, k, d) = Shape(indices, rows);
        var output = empty(batch, k);
        For(batch, RowsPerTask, (from, to) =>
        {
            var gs = Floats(g); var ix = Longs(indices); var w = Floats(rows); var o = Floats(output);
            for (long b = from; b < to; b++)
                for (long j = b * k; j < (b + 1) * k; j++)
                    o[(int)j] = TensorPrimitives.Dot(gs.Slice((int)(b * d), d), w.Slice((int)(ix[(int)j] * d), d));
        });
        return output;
    }

    /// <summary>
    /// rows[i] = Σ over (b,j) with indices[b,j] = i of values[b,j] · x[b], [m, d], and sums[i] = Σ values[b,j], [m]:
    /// the weight gradient of <see cref="Combine"/> (x = output gradient) or of the selected pre-activations (x = input).
    /// Entries are bucketed by feature (a stable counting sort), then each feature's row is summed by one task.
    /// </summary>
    public static (Tensor Rows, Tensor Sums) Scatter(Tensor values, Tensor indices, Tensor x, long featureCount)
    {
        var (batch, k, d) = Shape(indices, x, values);
        int n = checked((int)(batch * k)), m = checked((int)featureCount);
        var start = ArrayPool<int>.Shared.Rent(m + 1);
        var order = ArrayPool<int>.Shared.Rent(n);
        try
        {
            BucketByFeature(Longs(indices), m, start, order);
            var rows = zeros(m, d);
            var sums = zeros(m);
            For(m, FeaturesPerTask, (from, to) =>
            {
                var v = Floats(values); var xs = Floats(x); var r = Floats(rows); var s = Floats(sums);
                for (long i = from; i < to; i++)
                {
                    var dst = r.Slice((int)(i * d), d);
                    float total = 0f;
                    for (int p = start[i]; p < start[i + 1]; p++)
                    {
                        int e = order[p];
                        if (v[e] == 0f) continue;
                        TensorPrimitives.MultiplyAdd(xs.Slice((int)(e / k * d), d), v[e], dst, dst);
                        total += v[e];
                    }
                    s[(int)i] = total;
                }
            });
            return (rows, sums);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(start);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    /// <summary>
    /// Groups entries chosen across a batch (flat indices b·m + i into [B, m], with their values) by row: [B, r] feature
    /// indices and values, r = the most entries any row has, in the order given; shorter rows are padded with value 0
    /// at feature 0, which the kernels skip.
    /// </summary>
    public static (Tensor Indices, Tensor Values) PackRows(Tensor flatIndices, Tensor values, long rows, long width)
    {
        var flat = flatIndices.contiguous();
        var vals = values.contiguous();
        var f = Longs(flat);
        var v = Floats(vals);
        var count = new int[rows];
        foreach (long e in f) count[e / width]++;
        int r = Math.Max(1, count.Max());
        var idx = new long[rows * r];
        var packed = new float[rows * r];
        Array.Clear(count);
        for (int e = 0; e < f.Length; e++)
        {
            long row = f[e] / width;
            long at = row * r + count[row]++;
            idx[at] = f[e] % width;
            packed[at] = v[e];
        }
        return (tensor(idx).reshape(rows, r), tensor(packed).reshape(rows, r));
    }

    // start[i]..start[i+1] index into order, which lists feature i's entries in ascending (b, j) order.
    static void BucketByFeature(ReadOnlySpan<long> indices, int m, int[] start, int[] order)
    {
        Array.Clear(start, 0, m + 1);
        foreach (long i in indices)
        {
            if ((ulong)i >= (ulong)m) throw new ArgumentOutOfRangeException(nameof(indices), i, $"Feature index outside [0, {m}).");
            start[i + 1]++;
        }
        for (int i = 0; i < m; i++) start[i + 1] += start[i];
        var cursor = ArrayPool<int>.Shared.Rent(m);
        try
        {
            Array.Copy(start, cursor, m);
            for (int e = 0; e < indices.Length; e++) order[cursor[indices[e]]++] = e;
        }
        finally { ArrayPool<int>.Shared.Return(cursor); }
    }

    // B and k from the [B, k] indices, d from the second dimension of a [*, d] operand.
    static (long Batch, long K, int D) Shape(Tensor indices, Tensor withD, Tensor? values = null)
    {
        if (indices.dtype != ScalarType.Int64 || indices.dim() != 2)
            throw new ArgumentException($"Sparse code indices must be [B, k] int64 (got {indices.dtype} [{string.Join(", ", indices.shape)}]).", nameof(indices));
        if (values is not null && !values.shape.SequenceEqual(indices.shape))
            throw new ArgumentException($"Sparse code values [{string.Join(", ", values.shape)}] must match indices [{string.Join(", ", indices.shape)}].", nameof(values));
        return (indices.shape[0], indices.shape[1], checked((int)withD.shape[1]));
    }

    static void For(long count, int chunk, Action<long, long> body)
    {
        long tasks = (count + chunk - 1) / chunk;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
        Parallel.For(0, tasks, options, t => body(t * chunk, Math.Min(count, (t + 1) * chunk)));
    }

    // Spans over contiguous CPU tensors; callers pass tensors made contiguous by the autograd functions.
    static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);
    static ReadOnlySpan<long> Longs(Tensor t) => MemoryMarshal.Cast<byte, long>(t.bytes);
}
