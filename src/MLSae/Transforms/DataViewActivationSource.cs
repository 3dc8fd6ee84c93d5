using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;

namespace MLSae.Transforms;

/// <summary>
/// The first rows of a vector column of an <see cref="IDataView"/> as an <see cref="IActivationSource"/>.
/// Reads stream through one cursor (sequential reads, as the feature statistics do, cost one pass);
/// a read behind the cursor reopens it. Holds no rows in memory.
/// </summary>
sealed class DataViewActivationSource : IActivationSource, IDisposable
{
    readonly IDataView _view;
    readonly DataViewSchema.Column _column;
    DataViewRowCursor? _cursor;
    ValueGetter<VBuffer<float>>? _getter;
    VBuffer<float> _buffer;
    long _next;

    /// <summary>Reads column <paramref name="column"/> (a vector of <paramref name="dimension"/> floats), at most <paramref name="maxRows"/> rows.</summary>
    public DataViewActivationSource(IDataView view, string column, int dimension, long maxRows)
    {
        _view = view;
        _column = view.Schema[column];
        Dimension = dimension;
        RowCount = Math.Min(maxRows, view.GetRowCount() ?? CountRows(view, maxRows));
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public long RowCount { get; }

    /// <inheritdoc />
    public void ReadRows(long firstRow, int count, Span<float> destination)
    {
        if (firstRow < 0 || count < 0 || firstRow + count > RowCount)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"Rows [{firstRow}, {firstRow + count}) are outside [0, {RowCount}).");
        if (_cursor is null || firstRow < _next) Reopen();
        while (_next < firstRow) Advance();
        int d = Dimension;
        for (int r = 0; r < count; r++)
        {
            Advance();
            _getter!(ref _buffer);
            if (_buffer.Length != d)
                throw new InvalidDataException($"Row {_next - 1} of column '{_column.Name}' has {_buffer.Length} values; the SAE expects {d}.");
            var dst = destination.Slice(r * d, d);
            if (_buffer.IsDense) _buffer.GetValues().CopyTo(dst);
            else
            {
                dst.Clear();
                var idx = _buffer.GetIndices();
                var vals = _buffer.GetValues();
                for (int i = 0; i < idx.Length; i++) dst[idx[i]] = vals[i];
            }
        }
    }

    void Reopen()
    {
        _cursor?.Dispose();
        _cursor = _view.GetRowCursor([_column]);
        _getter = _cursor.GetGetter<VBuffer<float>>(_column);
        _next = 0;
    }

    void Advance()
    {
        if (!_cursor!.MoveNext())
            throw new InvalidDataException($"The data view ended after {_next} rows while reading column '{_column.Name}'; it promised {RowCount}.");
        _next++;
    }

    static long CountRows(IDataView view, long maxRows)
    {
        using var cursor = view.GetRowCursor([]);
        long n = 0;
        while (n < maxRows && cursor.MoveNext()) n++;
        return n;
    }

    /// <inheritdoc />
    public void Dispose() => _cursor?.Dispose();
}
