using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations.Cache;

namespace MLSae.Activations.Data;

/// <summary>
/// An ML.NET <see cref="IDataView"/> over an activation cache: one row per token with columns
/// <c>Activation</c> (vector of d floats, known size), <c>TokenId</c> (Int32), <c>DocumentId</c>
/// (Int64) and <c>Position</c> (Int32), in cache order. Rows are read from the memory-mapped shards
/// in blocks; nothing is loaded up front. Not shuffleable (use <see cref="ActivationStore"/> for training).
/// </summary>
public sealed class ActivationCacheDataView : IDataView
{
    /// <summary>Name of the activation vector column.</summary>
    public const string ActivationColumn = "Activation";
    /// <summary>Name of the token-id column.</summary>
    public const string TokenIdColumn = "TokenId";
    /// <summary>Name of the document-id column.</summary>
    public const string DocumentIdColumn = "DocumentId";
    /// <summary>Name of the position column.</summary>
    public const string PositionColumn = "Position";

    /// <summary>A view over an open cache; the caller keeps ownership of <paramref name="cache"/> (dispose it after the last cursor).</summary>
    public ActivationCacheDataView(ActivationCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        Cache = cache;
        var b = new DataViewSchema.Builder();
        b.AddColumn(ActivationColumn, new VectorDataViewType(NumberDataViewType.Single, cache.Dimension));
        b.AddColumn(TokenIdColumn, NumberDataViewType.Int32);
        b.AddColumn(DocumentIdColumn, NumberDataViewType.Int64);
        b.AddColumn(PositionColumn, NumberDataViewType.Int32);
        Schema = b.ToSchema();
    }

    /// <summary>The cache the rows come from.</summary>
    public ActivationCache Cache { get; }

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public long? GetRowCount() => Cache.RowCount;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[Schema.Count];
        foreach (var c in columnsNeeded)
        {
            if (c.Index < 0 || c.Index >= Schema.Count || Schema[c.Index].Name != c.Name)
                throw new ArgumentException($"Column '{c.Name}' does not belong to this activation cache view (columns: {ActivationColumn}, {TokenIdColumn}, {DocumentIdColumn}, {PositionColumn}).", nameof(columnsNeeded));
            active[c.Index] = true;
        }
        return new ActivationCacheCursor(this, active);
    }

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}
