using System.Buffers.Binary;
using System.Text;

namespace MLSae.Ordering;

/// <summary>Per-feature frequency snapshots read from a run's history file.</summary>
/// <param name="FeatureCount">m.</param>
/// <param name="Steps">Step of each snapshot.</param>
/// <param name="Tokens">Tokens seen up to each snapshot.</param>
/// <param name="WindowVariance">The adaptive strategy's variance at each snapshot (NaN when the window was not full).</param>
/// <param name="Frequencies">EMA firing frequency per snapshot, indexed by ORIGINAL feature index.</param>
public sealed record FeatureHistory(int FeatureCount, long[] Steps, long[] Tokens, float[] WindowVariance, IReadOnlyList<float[]> Frequencies);

/// <summary>
/// The tracker's history file (<see cref="Persistence.RunFolder.FeatureHistory"/> in a run folder): an append-only log of fixed-size records so a
/// snapshot costs one small write, not a rewrite. Layout (little-endian): "MLSAEFH1", int32 m, int32 1
/// (float16 values); then per snapshot int64 step, int64 tokens, float32 variance, m x float16 EMA frequency
/// in original feature order. A torn last record (crash mid-write) is ignored on read; on resume the
/// tracker truncates records at or after the resumed step.
/// </summary>
public static class FeatureHistoryFile
{
    const int HeaderBytes = 16;
    static readonly byte[] Magic = Encoding.ASCII.GetBytes("MLSAEFH1");

    static int RecordBytes(int m) => 20 + 2 * m;

    /// <summary>Opens <paramref name="path"/> for appending, creating it, and drops records with step &gt;= <paramref name="firstStep"/>.</summary>
    public static FileStream OpenForAppend(string path, int featureCount, long firstStep)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (fs.Length < HeaderBytes)
            {
                fs.SetLength(0);
                Span<byte> header = stackalloc byte[HeaderBytes];
                Magic.CopyTo(header);
                BinaryPrimitives.WriteInt32LittleEndian(header[8..], featureCount);
                BinaryPrimitives.WriteInt32LittleEndian(header[12..], 1);
                fs.Write(header);
                fs.Flush(true);
                return fs;
            }
            int m = ReadHeader(fs, path);
            if (m != featureCount)
                throw new InvalidDataException($"'{path}' holds history for {m} features, but this run has {featureCount}. Use a fresh run folder.");
            int rec = RecordBytes(m);
            long count = (fs.Length - HeaderBytes) / rec;
            long keep = 0;
            Span<byte> stepBytes = stackalloc byte[8];
            for (; keep < count; keep++)
            {
                fs.Position = HeaderBytes + keep * rec;
                fs.ReadExactly(stepBytes);
                if (BinaryPrimitives.ReadInt64LittleEndian(stepBytes) >= firstStep) break;
            }
            fs.SetLength(HeaderBytes + keep * rec);
            fs.Position = fs.Length;
            return fs;
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Appends one snapshot (frequencies in original feature order) and flushes it.</summary>
    public static void Append(FileStream stream, long step, long tokens, float variance, ReadOnlySpan<float> frequencies)
    {
        var buffer = new byte[RecordBytes(frequencies.Length)];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, step);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(8), tokens);
        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(16), variance);
        for (int i = 0; i < frequencies.Length; i++)
            BinaryPrimitives.WriteHalfLittleEndian(buffer.AsSpan(20 + 2 * i), (Half)frequencies[i]);
        stream.Write(buffer);
        stream.Flush();
    }

    /// <summary>Reads every complete snapshot of <paramref name="path"/>.</summary>
    public static FeatureHistory Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Feature history '{path}' does not exist; was the run trained with feature tracking?", path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        int m = ReadHeader(fs, path);
        int rec = RecordBytes(m);
        long count = (fs.Length - HeaderBytes) / rec;
        var steps = new long[count];
        var tokens = new long[count];
        var variance = new float[count];
        var freqs = new List<float[]>((int)count);
        var buffer = new byte[rec];
        fs.Position = HeaderBytes;
        for (long s = 0; s < count; s++)
        {
            fs.ReadExactly(buffer);
            steps[s] = BinaryPrimitives.ReadInt64LittleEndian(buffer);
            tokens[s] = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(8));
            variance[s] = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(16));
            var f = new float[m];
            for (int i = 0; i < m; i++) f[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(buffer.AsSpan(20 + 2 * i));
            freqs.Add(f);
        }
        return new FeatureHistory(m, steps, tokens, variance, freqs);
    }

    static int ReadHeader(FileStream fs, string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        fs.Position = 0;
        if (fs.Length < HeaderBytes || fs.Read(header) != HeaderBytes || !header[..8].SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not an MLSae feature history file (bad header).");
        int m = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        int dtype = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (m <= 0 || dtype != 1) throw new InvalidDataException($"'{path}' has an unsupported feature history header (m={m}, dtype={dtype}).");
        return m;
    }
}
