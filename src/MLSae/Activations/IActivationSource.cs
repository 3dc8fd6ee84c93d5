namespace MLSae.Activations;

/// <summary>
/// Rows of activations (one row per token, <see cref="Dimension"/> floats each) that can be read
/// by position. Implemented by the on-disk activation cache and by in-memory arrays (tests).
/// </summary>
public interface IActivationSource
{
    /// <summary>d, the width of one row.</summary>
    int Dimension { get; }

    /// <summary>Number of rows.</summary>
    long RowCount { get; }

    /// <summary>Copies rows [firstRow, firstRow + count) row-major into <paramref name="destination"/>.</summary>
    void ReadRows(long firstRow, int count, Span<float> destination);
}

/// <summary>An <see cref="IActivationSource"/> over a row-major float array.</summary>
public sealed class InMemoryActivationSource : IActivationSource
{
    readonly float[] _data;

    /// <summary>Wraps <paramref name="data"/> (row-major, <paramref name="dimension"/> floats per row).</summary>
    public InMemoryActivationSource(float[] data, int dimension)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (dimension <= 0 || data.Length % dimension != 0)
            throw new ArgumentException($"Data length {data.Length} is not a multiple of dimension {dimension}.", nameof(data));
        _data = data;
        Dimension = dimension;
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public long RowCount => _data.Length / Dimension;

    /// <inheritdoc />
    public void ReadRows(long firstRow, int count, Span<float> destination)
    {
        if (firstRow < 0 || count < 0 || firstRow + count > RowCount)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"Rows [{firstRow}, {firstRow + count}) are outside [0, {RowCount}).");
        _data.AsSpan(checked((int)(firstRow * Dimension)), count * Dimension).CopyTo(destination);
    }
}
