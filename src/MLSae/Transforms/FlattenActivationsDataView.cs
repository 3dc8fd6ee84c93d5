using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;

namespace MLSae.Transforms;

/// <summary>
/// The lazy output of <see cref="FlattenActivationsTransformer.Transform"/>: a cursor over the
/// documents, advanced one document per <c>d x tokens</c> block; each MoveNext serves the next token.
/// Columns repeated from the input read the input cursor, which stays on the token's document.
/// </summary>
sealed class FlattenActivationsDataView : IDataView
{
    readonly FlattenActivationsTransformer _owner;
    readonly IDataView _input;
    readonly DataViewSchema.Column _values;
    readonly DataViewSchema.Column? _ids;
    // For each output column: the input column it repeats, or -1 (activation), -2 (token id), -3 (document), -4 (position).
    readonly int[] _source;

    public FlattenActivationsDataView(FlattenActivationsTransformer owner, IDataView input, DataViewSchema schema)
    {
        _owner = owner;
        _input = input;
        Schema = schema;
        var o = owner.Options;
        _values = input.Schema[o.InputColumnName];
        _ids = owner.HasIds(input.Schema) ? input.Schema[o.InputColumnName + ActivationExtractorDefaults.TokenIdsSuffix] : null;
        _source = new int[schema.Count];
        for (int i = 0; i < schema.Count; i++)
        {
            var name = schema[i].Name;
            _source[i] = name == o.OutputColumnName ? -1
                : name == FlattenActivationsDefaults.TokenIdColumnName ? -2
                : name == FlattenActivationsDefaults.DocumentIdColumnName ? -3
                : name == FlattenActivationsDefaults.PositionColumnName ? -4
                : input.Schema[name].Index;
        }
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => null;   // tokens per document are known only after reading it

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new HashSet<int>(columnsNeeded.Select(c => c.Index));
        var inputNeeded = new List<DataViewSchema.Column> { _values };
        bool ids = _ids is not null && active.Any(i => _source[i] == -2);
        if (ids) inputNeeded.Add(_ids!.Value);
        foreach (int i in active)
            if (_source[i] >= 0) inputNeeded.Add(_input.Schema[_source[i]]);
        return new Cursor(this, _input.GetRowCursor(inputNeeded.Distinct()), active, ids);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    sealed class Cursor : DataViewRowCursor
    {
        readonly FlattenActivationsDataView _view;
        readonly DataViewRowCursor _inner;
        readonly HashSet<int> _active;
        readonly ValueGetter<VBuffer<float>> _getValues;
        readonly ValueGetter<VBuffer<int>>? _getIds;
        readonly int _d;
        VBuffer<float> _valueBuffer;
        VBuffer<int> _idBuffer;
        float[] _doc = [];
        int[] _tokenIds = [];
        int _tokens, _token = -1;
        long _position = -1, _document = -1;

        public Cursor(FlattenActivationsDataView view, DataViewRowCursor inner, HashSet<int> active, bool ids)
        {
            _view = view;
            _inner = inner;
            _active = active;
            _d = view._owner.Dimension;
            _getValues = inner.GetGetter<VBuffer<float>>(view._values);
            _getIds = ids ? inner.GetGetter<VBuffer<int>>(view._ids!.Value) : null;
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override bool MoveNext()
        {
            _token++;
            while (_token >= _tokens)
            {
                if (!_inner.MoveNext()) return false;
                _document++;
                LoadDocument();
                _token = 0;
            }
            _position++;
            return true;
        }

        void LoadDocument()
        {
            _getValues(ref _valueBuffer);
            int n = _valueBuffer.Length;
            if (n % _d != 0)
                throw new InvalidDataException($"Row {_inner.Position} of column '{_view._values.Name}' holds {n} values, not a multiple of d = {_d}.");
            _tokens = n / _d;
            if (_doc.Length < n) _doc = new float[n];
            var doc = _doc.AsSpan(0, n);
            if (_valueBuffer.IsDense) _valueBuffer.GetValues().CopyTo(doc);
            else
            {
                doc.Clear();
                var idx = _valueBuffer.GetIndices();
                var vals = _valueBuffer.GetValues();
                for (int i = 0; i < idx.Length; i++) doc[idx[i]] = vals[i];
            }
            if (_getIds is null) return;
            _getIds(ref _idBuffer);
            if (_idBuffer.Length != _tokens)
                throw new InvalidDataException($"Row {_inner.Position}: column '{_view._ids!.Value.Name}' holds {_idBuffer.Length} token ids for {_tokens} tokens of d = {_d}.");
            _tokenIds = _idBuffer.DenseValues().ToArray();
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' was not requested from this cursor.");
            int source = _view._source[column.Index];
            if (source >= 0) return _inner.GetGetter<TValue>(_inner.Schema[source]);
            Delegate getter = source switch
            {
                -1 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, _d);
                    _doc.AsSpan(_token * _d, _d).CopyTo(editor.Values);
                    dst = editor.Commit();
                }),
                -2 => (ValueGetter<int>)((ref int dst) => dst = _tokenIds[_token]),
                -3 => (ValueGetter<long>)((ref long dst) => dst = _document),
                _ => (ValueGetter<int>)((ref int dst) => dst = _token),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
