using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLSae.Activations;

/// <summary>The lazy output of <see cref="ActivationExtractorTransformer.Transform"/>: input columns plus three added ones.</summary>
internal sealed class ActivationExtractorDataView(ActivationExtractorTransformer owner, IDataView input, DataViewSchema schema, DataViewSchema.Column text) : IDataView
{
    public bool CanShuffle => false;
    public DataViewSchema Schema => schema;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        int inputCount = input.Schema.Count;
        var inputNeeded = needed.Where(c => c.Index < inputCount).Select(c => input.Schema[c.Index]).ToList();
        bool computes = needed.Any(c => c.Index >= inputCount);
        if (computes && !inputNeeded.Contains(text)) inputNeeded.Add(text);
        return new Cursor(owner, input.GetRowCursor(inputNeeded, rand), schema, text, inputCount, needed.Select(c => c.Index).ToHashSet());
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    sealed class Cursor(ActivationExtractorTransformer owner, DataViewRowCursor inner, DataViewSchema schema, DataViewSchema.Column text, int inputCount, HashSet<int> active) : DataViewRowCursor
    {
        long _computedFor = -1;
        float[] _acts = [];
        int[] _ids = [];

        public override DataViewSchema Schema => schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);
        public override bool MoveNext() => inner.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < inputCount) return inner.GetGetter<TValue>(inner.Schema[column.Index]);
            var textGetter = inner.GetGetter<ReadOnlyMemory<char>>(text);
            void Compute()
            {
                if (_computedFor == inner.Position) return;
                ReadOnlyMemory<char> value = default;
                textGetter(ref value);
                (_acts, _ids) = owner.Run(value.ToString());
                _computedFor = inner.Position;
            }
            Delegate getter = (column.Index - inputCount) switch
            {
                0 => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) => { Compute(); new VBuffer<float>(_acts.Length, (float[])_acts.Clone()).CopyTo(ref dst); }),
                1 => (ValueGetter<int>)((ref int dst) => { Compute(); dst = _ids.Length; }),
                _ => (ValueGetter<VBuffer<int>>)((ref VBuffer<int> dst) => { Compute(); new VBuffer<int>(_ids.Length, (int[])_ids.Clone()).CopyTo(ref dst); }),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
