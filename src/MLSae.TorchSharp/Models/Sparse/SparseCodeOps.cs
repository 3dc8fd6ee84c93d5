using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// The operations of <see cref="SparseCodeKernels"/> in plain TorchSharp ops, so the sparse path runs on any device
/// (CUDA) and type. Each loops over the k code slots with one gather (index_select) or scatter (index_add_) of a
/// [B, d] block, so memory stays B·d rather than B·k·d. Results equal the CPU kernels' up to float32 summation order
/// (the kernels sum a feature's entries in (b, j) order, these in (j, b) order; on CUDA index_add_ is atomic and
/// its order unspecified).
/// </summary>
static class SparseCodeOps
{
    /// <summary>out[b] = Σ_j values[b,j] · rows[indices[b,j]], [B, d].</summary>
    public static Tensor Combine(Tensor values, Tensor indices, Tensor rows)
    {
        var output = zeros(indices.shape[0], rows.shape[1], dtype: rows.dtype, device: rows.device);
        for (long j = 0; j < indices.shape[1]; j++)
        {
            using var scope = NewDisposeScope();
            output.add_(rows.index_select(0, indices.select(1, j)) * values.narrow(1, j, 1));
        }
        return output;
    }

    /// <summary>out[b,j] = g[b] · rows[indices[b,j]], [B, k].</summary>
    public static Tensor Dots(Tensor g, Tensor indices, Tensor rows)
    {
        var output = empty(indices.shape[0], indices.shape[1], dtype: g.dtype, device: g.device);
        for (long j = 0; j < indices.shape[1]; j++)
        {
            using var scope = NewDisposeScope();
            output.select(1, j).copy_((g * rows.index_select(0, indices.select(1, j))).sum(1));
        }
        return output;
    }

    /// <summary>rows[i] = Σ_{indices[b,j] = i} values[b,j] · x[b], [m, d], and sums[i] = Σ values[b,j], [m].</summary>
    public static (Tensor Rows, Tensor Sums) Scatter(Tensor values, Tensor indices, Tensor x, long featureCount)
    {
        var rows = zeros(featureCount, x.shape[1], dtype: x.dtype, device: x.device);
        for (long j = 0; j < indices.shape[1]; j++)
        {
            using var scope = NewDisposeScope();
            rows.index_add_(0, indices.select(1, j), x * values.narrow(1, j, 1), 1);
        }
        var sums = zeros(featureCount, dtype: values.dtype, device: values.device).index_add_(0, indices.reshape(-1), values.reshape(-1), 1);
        return (rows, sums);
    }

    /// <summary>
    /// Flat indices b·m + i with their values grouped by row b into [B, r] feature indices and values, in the order
    /// given within a row (a stable sort by row), padded with value 0 at feature 0; r = the most entries any row has.
    /// </summary>
    public static (Tensor Indices, Tensor Values) PackRows(Tensor flatIndices, Tensor values, long rows, long width)
    {
        var flat = flatIndices.reshape(-1);
        var vals = values.reshape(-1);
        var row = flat.div(width, rounding_mode: RoundingMode.floor);
        var counts = bincount(row, minlength: rows);
        long r = Math.Max(1, counts.max().item<long>());
        var (sortedRow, order) = row.sort(stable: true);
        var position = arange(flat.shape[0], dtype: ScalarType.Int64, device: flat.device) - (counts.cumsum(0) - counts).index_select(0, sortedRow);
        var target = sortedRow * r + position;
        var idx = zeros(rows * r, dtype: ScalarType.Int64, device: flat.device).index_copy_(0, target, flat.index_select(0, order).remainder(width));
        var packed = zeros(rows * r, dtype: vals.dtype, device: vals.device).index_copy_(0, target, vals.index_select(0, order));
        return (idx.view(rows, r), packed.view(rows, r));
    }
}
