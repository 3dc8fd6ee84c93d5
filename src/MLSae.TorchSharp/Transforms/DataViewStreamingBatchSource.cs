using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Training;

namespace MLSae.Transforms;

/// <summary>
/// Training batches streamed from a data view too large to copy into memory: each epoch is one pass
/// of a cursor, cut into windows of S rows; a window is read into a buffer and served in the order of
/// a permutation seeded by (seed, epoch, window + 1). Deterministic when the view returns its rows in
/// the same order on every pass (ML.NET views do unless asked to shuffle). Each epoch re-runs whatever
/// computes the view (e.g. the language model of ExtractActivations): put an activation cache in front
/// for long training.
/// </summary>
sealed class DataViewStreamingBatchSource : ITrainingBatchSource, IDisposable
{
    readonly IDataView _view;
    readonly DataViewSchema.Column _column;
    readonly int _seed;
    readonly float[] _window;
    readonly int[] _perm;
    readonly int _windowRows;
    DataViewRowCursor? _cursor;
    ValueGetter<VBuffer<float>>? _getter;
    VBuffer<float> _row;
    bool _passEnded;
    int _filled, _offset, _windowIndex;
    long _epoch, _rowInEpoch;

    public DataViewStreamingBatchSource(IDataView view, string column, int dimension, int seed, int windowRows)
    {
        _view = view;
        _column = view.Schema[column];
        Dimension = dimension;
        _seed = seed;
        _windowRows = windowRows;
        _window = new float[checked(windowRows * dimension)];
        _perm = new int[windowRows];
    }

    public int Dimension { get; }

    public void NextBatch(int rows, Span<float> destination)
    {
        int d = Dimension, done = 0;
        while (done < rows)
        {
            if (_offset == _filled) LoadWindow();
            int n = Math.Min(rows - done, _filled - _offset);
            for (int k = 0; k < n; k++)
                _window.AsSpan(_perm[_offset + k] * d, d).CopyTo(destination.Slice((done + k) * d, d));
            _offset += n;
            _rowInEpoch += n;
            done += n;
        }
    }

    void LoadWindow()
    {
        if (_cursor is null) StartPass(_epoch);
        else if (_passEnded) StartPass(_epoch + 1);
        _filled = Read(_window, _windowRows);
        if (_filled == 0)
        {
            if (_rowInEpoch == 0)
                throw new InvalidDataException($"Column '{_column.Name}' has no rows to train on.");
            StartPass(_epoch + 1);   // the pass ended exactly at a window boundary
            _filled = Read(_window, _windowRows);
        }
        var perm = _perm.AsSpan(0, _filled);
        for (int i = 0; i < perm.Length; i++) perm[i] = i;
        SplitMix64.ForStream(_seed, _epoch, _windowIndex + 1L).Shuffle(perm);
        _windowIndex++;
        _offset = 0;
    }

    void StartPass(long epoch)
    {
        _cursor?.Dispose();
        _cursor = _view.GetRowCursor([_column]);
        _getter = _cursor.GetGetter<VBuffer<float>>(_column);
        _passEnded = false;
        _epoch = epoch;
        _rowInEpoch = 0;
        _windowIndex = 0;
    }

    /// <summary>Reads up to <paramref name="max"/> rows into <paramref name="into"/> (null: skip them); returns the count.</summary>
    int Read(Span<float> into, int max)
    {
        int d = Dimension, n = 0;
        while (n < max)
        {
            if (!_cursor!.MoveNext()) { _passEnded = true; break; }
            if (!into.IsEmpty)
            {
                _getter!(ref _row);
                if (_row.Length != d)
                    throw new InvalidDataException($"Row {_cursor.Position} of column '{_column.Name}' has {_row.Length} values; expected d = {d}.");
                _row.CopyTo(into.Slice(n * d, d));
            }
            n++;
        }
        return n;
    }

    public byte[] SaveState() => JsonSerializer.SerializeToUtf8Bytes(new State(_epoch, _rowInEpoch));

    public void LoadState(byte[] state)
    {
        var s = JsonSerializer.Deserialize<State>(state) ?? throw new InvalidDataException("Empty batch-source state.");
        StartPass(s.Epoch);
        long windows = s.RowInEpoch / _windowRows;
        for (long w = 0; w < windows; w++)
        {
            if (Read(Span<float>.Empty, _windowRows) < _windowRows)
                throw new InvalidDataException($"Cannot restore the data-view position: the view has fewer rows than the checkpoint's epoch position {s.RowInEpoch}.");
            _windowIndex++;
        }
        _rowInEpoch = windows * _windowRows;
        _filled = _offset = 0;
        LoadWindow();
        _offset = (int)(s.RowInEpoch - _rowInEpoch);
        _rowInEpoch = s.RowInEpoch;
    }

    public void Dispose() => _cursor?.Dispose();

    sealed record State(long Epoch, long RowInEpoch);
}
