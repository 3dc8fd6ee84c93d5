using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLSae.Transforms;

/// <summary>Schema checks and shapes shared by the SAE estimator and transformer.</summary>
static class SaeSchema
{
    /// <summary>Checks that <paramref name="column"/> is a vector of <paramref name="size"/> floats.</summary>
    public static void Check(DataViewSchema schema, string column, int size)
    {
        var col = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"Input column '{column}' not found; the SAE expects a vector of {size} Single values (its d). Columns present: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (col.Type is not VectorDataViewType { ItemType: var item } v || item != NumberDataViewType.Single || v.Size != size)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Input column '{column}' has type {col.Type}; the SAE expects a vector of {size} Single values (its d = {size}).");
    }

    /// <summary>Checks a <see cref="SchemaShape"/> column (its size is not known at this stage).</summary>
    public static void Check(SchemaShape schema, string column, int size)
    {
        var matches = schema.Where(c => c.Name == column).ToList();
        if (matches.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Input column '{column}' not found; the SAE expects a vector of {size} Single values (its d).");
        var col = matches[^1];
        if (col.Kind != SchemaShape.Column.VectorKind.Vector || col.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Input column '{column}' is a {col.Kind} of {col.ItemType}; the SAE expects a known-size vector of {size} Single values.");
    }

    /// <summary>
    /// Input columns plus the SAE's features and reconstruction columns, both vectors of floats.
    /// SchemaShape.Column's constructor is internal, so the shapes are borrowed from CopyColumns
    /// (a SchemaShape carries no vector size, so copying the input's shape is exact).
    /// </summary>
    public static SchemaShape Output(SchemaShape input, SaeTransformerOptions o)
    {
        var t = new MLContext().Transforms;
        return t.CopyColumns(o.OutputColumnName, o.InputColumnName)
            .Append(t.CopyColumns(o.ReconstructionColumnName, o.InputColumnName))
            .GetOutputSchema(input);
    }

    /// <summary>An empty data view with one vector column, for fitting the wrapped ONNX estimator without data.</summary>
    public static IDataView Empty(string column, int size)
    {
        var def = SchemaDefinition.Create(typeof(Row));
        def[0].ColumnName = column;
        def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return new MLContext().Data.LoadFromEnumerable(Array.Empty<Row>(), def);
    }

    sealed class Row
    {
        public float[] Value = [];
    }
}
