using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace MLSae.Scoring;

/// <summary>One batch of output entries, in row order: columns of equal length <see cref="Count"/>.</summary>
sealed class ScoreEntries(int capacity)
{
    public long[] Row = new long[capacity];
    public int[] Rank = new int[capacity];
    public int[] Feature = new int[capacity];
    public float[] Value = new float[capacity];
    public int Count;

    public void Add(long row, int rank, int feature, float value)
    {
        if (Count == Row.Length)
        {
            int n = Count * 2;
            Array.Resize(ref Row, n); Array.Resize(ref Rank, n); Array.Resize(ref Feature, n); Array.Resize(ref Value, n);
        }
        Row[Count] = row; Rank[Count] = rank; Feature[Count] = feature; Value[Count] = value;
        Count++;
    }
}

/// <summary>Streams score entries to a file format.</summary>
interface IScoreWriter : IDisposable
{
    void Write(ScoreEntries entries);
}

/// <summary>CSV: "row,feature,value" (sparse) or "row,rank,feature,value" (top-k).</summary>
sealed class CsvScoreWriter : IScoreWriter
{
    readonly StreamWriter _w;
    readonly bool _ranked;

    public CsvScoreWriter(Stream stream, bool ranked)
    {
        _ranked = ranked;
        _w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        _w.WriteLine(ranked ? "row,rank,feature,value" : "row,feature,value");
    }

    public void Write(ScoreEntries e)
    {
        Span<char> buf = stackalloc char[64];
        var inv = CultureInfo.InvariantCulture;
        for (int i = 0; i < e.Count; i++)
        {
            _w.Write(e.Row[i]);
            _w.Write(',');
            if (_ranked) { _w.Write(e.Rank[i]); _w.Write(','); }
            _w.Write(e.Feature[i]);
            _w.Write(',');
            e.Value[i].TryFormat(buf, out int n, "R", inv);
            _w.Write(buf[..n]);
            _w.Write('\n');
        }
    }

    public void Dispose() => _w.Dispose();
}

/// <summary>Parquet with columns row (int64), [rank (int32)], feature (int32), value (float); one row group per batch.</summary>
sealed class ParquetScoreWriter : IScoreWriter
{
    readonly ParquetWriter _w;
    readonly DataField<long> _row = new("row");
    readonly DataField<int> _rank = new("rank");
    readonly DataField<int> _feature = new("feature");
    readonly DataField<float> _value = new("value");
    readonly bool _ranked;

    public ParquetScoreWriter(Stream stream, bool ranked)
    {
        _ranked = ranked;
        var schema = ranked ? new ParquetSchema(_row, _rank, _feature, _value) : new ParquetSchema(_row, _feature, _value);
        _w = ParquetWriter.CreateAsync(schema, stream).GetAwaiter().GetResult();
    }

    public void Write(ScoreEntries e)
    {
        if (e.Count == 0) return;
        using var rg = _w.CreateRowGroup();
        rg.WriteAsync(_row, new ReadOnlyMemory<long>(e.Row, 0, e.Count)).GetAwaiter().GetResult();
        if (_ranked) rg.WriteAsync(_rank, new ReadOnlyMemory<int>(e.Rank, 0, e.Count)).GetAwaiter().GetResult();
        rg.WriteAsync(_feature, new ReadOnlyMemory<int>(e.Feature, 0, e.Count)).GetAwaiter().GetResult();
        rg.WriteAsync(_value, new ReadOnlyMemory<float>(e.Value, 0, e.Count)).GetAwaiter().GetResult();
    }

    public void Dispose() => _w.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
