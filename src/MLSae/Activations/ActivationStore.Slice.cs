namespace MLSae.Activations;

/// <summary>Rows [<see cref="FirstRow"/>, + <see cref="RowCount"/>) of another source, renumbered from 0.</summary>
public sealed class ActivationSourceSlice : IActivationSource
{
    readonly IActivationSource _source;

    /// <summary>A view of <paramref name="count"/> rows of <paramref name="source"/> starting at <paramref name="firstRow"/>.</summary>
    public ActivationSourceSlice(IActivationSource source, long firstRow, long count)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (firstRow < 0 || count < 0 || firstRow + count > source.RowCount)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"Rows [{firstRow}, {firstRow + count}) are outside the source's [0, {source.RowCount}).");
        _source = source;
        FirstRow = firstRow;
        RowCount = count;
    }

    /// <summary>The first row of the slice in the underlying source.</summary>
    public long FirstRow { get; }
    /// <inheritdoc />
    public int Dimension => _source.Dimension;
    /// <inheritdoc />
    public long RowCount { get; }

    /// <inheritdoc />
    public void ReadRows(long firstRow, int count, Span<float> destination)
    {
        if (firstRow < 0 || count < 0 || firstRow + count > RowCount)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"Rows [{firstRow}, {firstRow + count}) are outside the slice's [0, {RowCount}).");
        _source.ReadRows(FirstRow + firstRow, count, destination);
    }
}
