using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLSae.Activations.Data;

/// <summary>Reads an activation cache in blocks of rows, only the active columns.</summary>
sealed class ActivationCacheCursor : DataViewRowCursor
{
    const int BlockRows = 1024;

    readonly ActivationCacheDataView _view;
    readonly bool[] _active;
    readonly int _d;
    readonly float[] _activations;
    readonly int[] _tokens;
    readonly long[] _documents;
    readonly int[] _positions;
    long _position = -1;
    long _blockStart;
    int _blockRows;
    bool _done;

    public ActivationCacheCursor(ActivationCacheDataView view, bool[] active)
    {
        _view = view;
        _active = active;
        _d = view.Cache.Dimension;
        int rows = (int)Math.Min(BlockRows, Math.Max(1, view.Cache.RowCount));
        _activations = active[0] ? new float[rows * _d] : [];
        _tokens = active[1] ? new int[rows] : [];
        _documents = active[2] ? new long[rows] : [];
        _positions = active[3] ? new int[rows] : [];
    }

    public override DataViewSchema Schema => _view.Schema;
    public override long Position => _position;
    public override long Batch => 0;

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override bool MoveNext()
    {
        if (_done) return false;
        _position++;
        var cache = _view.Cache;
        if (_position >= cache.RowCount)
        {
            _done = true;
            return false;
        }
        if (_position >= _blockStart + _blockRows)
        {
            _blockStart = _position;
            _blockRows = (int)Math.Min(BlockRows, cache.RowCount - _position);
            if (_active[0]) cache.ReadRows(_blockStart, _blockRows, _activations);
            if (_active[1]) cache.ReadTokenIds(_blockStart, _blockRows, _tokens);
            if (_active[2]) cache.ReadDocumentIds(_blockStart, _blockRows, _documents);
            if (_active[3]) cache.ReadPositions(_blockStart, _blockRows, _positions);
        }
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() =>
        (ref DataViewRowId value) =>
        {
            CheckRow();
            value = new DataViewRowId((ulong)_position, 0);
        };

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < 0 || column.Index >= _active.Length || !_active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was created.");
        Delegate getter = column.Index switch
        {
            0 => (ValueGetter<VBuffer<float>>)GetActivation,
            1 => (ValueGetter<int>)((ref int v) => { CheckRow(); v = _tokens[Row]; }),
            2 => (ValueGetter<long>)((ref long v) => { CheckRow(); v = _documents[Row]; }),
            _ => (ValueGetter<int>)((ref int v) => { CheckRow(); v = _positions[Row]; }),
        };
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    int Row => (int)(_position - _blockStart);

    void GetActivation(ref VBuffer<float> value)
    {
        CheckRow();
        var editor = VBufferEditor.Create(ref value, _d);
        _activations.AsSpan(Row * _d, _d).CopyTo(editor.Values);
        value = editor.Commit();
    }

    void CheckRow()
    {
        if (_position < 0 || _done)
            throw new InvalidOperationException("The cursor is not on a row: call MoveNext() first and read only while it returns true.");
    }
}
