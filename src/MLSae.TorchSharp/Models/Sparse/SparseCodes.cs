using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// Chooses the implementation of each sparse-code operation: the CPU kernels (<see cref="SparseCodeKernels"/>) for
/// float32 CPU tensors, the device-generic ops (<see cref="SparseCodeOps"/>) otherwise or when <c>generic</c> is set
/// (tests force it on the CPU to compare the two).
/// </summary>
static class SparseCodes
{
    /// <summary>Whether <paramref name="t"/> goes through the generic ops.</summary>
    public static bool Generic(Tensor t, bool forceGeneric) => forceGeneric || !SparseCodeKernels.Supports(t);

    /// <inheritdoc cref="SparseCodeKernels.Combine"/>
    public static Tensor Combine(Tensor values, Tensor indices, Tensor rows, bool generic) =>
        generic ? SparseCodeOps.Combine(values, indices, rows) : SparseCodeKernels.Combine(values, indices, rows);

    /// <inheritdoc cref="SparseCodeKernels.Dots"/>
    public static Tensor Dots(Tensor g, Tensor indices, Tensor rows, bool generic) =>
        generic ? SparseCodeOps.Dots(g, indices, rows) : SparseCodeKernels.Dots(g, indices, rows);

    /// <inheritdoc cref="SparseCodeKernels.Scatter"/>
    public static (Tensor Rows, Tensor Sums) Scatter(Tensor values, Tensor indices, Tensor x, long featureCount, bool generic) =>
        generic ? SparseCodeOps.Scatter(values, indices, x, featureCount) : SparseCodeKernels.Scatter(values, indices, x, featureCount);

    /// <inheritdoc cref="SparseCodeKernels.PackRows"/>
    public static (Tensor Indices, Tensor Values) PackRows(Tensor flatIndices, Tensor values, long rows, long width, bool generic) =>
        generic ? SparseCodeOps.PackRows(flatIndices, values, rows, width) : SparseCodeKernels.PackRows(flatIndices, values, rows, width);
}
