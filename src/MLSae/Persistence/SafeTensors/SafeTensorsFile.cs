using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace MLSae.Persistence.SafeTensors;

/// <summary>
/// Reads a .safetensors file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data. The header is checked
/// against the file length on open, so a truncated file fails with a message naming the tensor.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    const long MaxHeaderBytes = 100_000_000;
    readonly SafeFileHandle _handle;
    readonly long _dataStart;
    readonly Dictionary<string, SafeTensorInfo> _tensors;

    SafeTensorsFile(string path, SafeFileHandle handle, long dataStart, Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The header's "__metadata__" string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors => _tensors;

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file '{path}' does not exist.", path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(handle);
            Span<byte> lenBytes = stackalloc byte[8];
            if (length < 8 || RandomAccess.Read(handle, lenBytes, 0) != 8)
                throw Corrupt(path, "shorter than the 8-byte header length");
            long headerLen = (long)BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
            if (headerLen <= 0 || headerLen > MaxHeaderBytes || 8 + headerLen > length)
                throw Corrupt(path, $"header length {headerLen} does not fit in a file of {length} bytes (truncated?)");
            var header = new byte[headerLen];
            RandomAccess.Read(handle, header, 8);
            var (tensors, metadata) = ParseHeader(path, header);
            long dataLen = length - 8 - headerLen;
            foreach (var t in tensors.Values)
            {
                if (t.End > dataLen)
                    throw Corrupt(path, $"tensor '{t.Name}' {t.ShapeText} ends at byte {t.End} of the data section, but the file holds only {dataLen} data bytes (truncated?)");
                if (t.End - t.Begin != t.ElementCount * t.DType.Size())
                    throw Corrupt(path, $"tensor '{t.Name}' {t.ShapeText} {t.DType} spans {t.End - t.Begin} bytes; expected {t.ElementCount * t.DType.Size()}");
            }
            return new SafeTensorsFile(path, handle, 8 + headerLen, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The entry for <paramref name="name"/>, or an error naming the tensors present.</summary>
    public SafeTensorInfo Get(string name) =>
        _tensors.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"{Path} has no tensor '{name}'. Tensors present: {string.Join(", ", _tensors.Keys.Order().Take(20))}{(_tensors.Count > 20 ? ", ..." : "")}.");

    /// <summary>Reads a floating-point tensor as float32, checking its shape when <paramref name="expectedShape"/> is given.</summary>
    public float[] ReadSingles(string name, params long[]? expectedShape)
    {
        var t = Get(name);
        if (expectedShape is { Length: > 0 } && !expectedShape.SequenceEqual(t.Shape))
            throw new InvalidDataException($"{Path}: tensor '{name}' has shape {t.ShapeText}; expected [{string.Join(", ", expectedShape)}].");
        var raw = ReadRaw(t);
        var result = new float[t.ElementCount];
        switch (t.DType)
        {
            case SafeTensorDType.F32:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(result);
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Big-endian hosts are not supported.");
                break;
            case SafeTensorDType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(raw);
                for (int i = 0; i < result.Length; i++) result[i] = (float)halves[i];
                break;
            case SafeTensorDType.BF16:
                var bf = MemoryMarshal.Cast<byte, ushort>(raw);
                for (int i = 0; i < result.Length; i++) result[i] = SafeTensorDTypes.BFloat16ToSingle(bf[i]);
                break;
            default:
                throw new InvalidDataException($"{Path}: tensor '{name}' is {t.DType}, not a floating-point type.");
        }
        return result;
    }

    /// <summary>Reads an integer tensor (I32 or I64) as int64.</summary>
    public long[] ReadInt64s(string name)
    {
        var t = Get(name);
        var raw = ReadRaw(t);
        return t.DType switch
        {
            SafeTensorDType.I64 => MemoryMarshal.Cast<byte, long>(raw).ToArray(),
            SafeTensorDType.I32 => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(raw).ToArray(), v => (long)v),
            _ => throw new InvalidDataException($"{Path}: tensor '{name}' is {t.DType}, not an integer type."),
        };
    }

    byte[] ReadRaw(SafeTensorInfo t)
    {
        var bytes = new byte[t.End - t.Begin];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(_handle, bytes.AsSpan(read), _dataStart + t.Begin + read);
            if (n == 0) throw Corrupt(Path, $"unexpected end of file in tensor '{t.Name}'");
            read += n;
        }
        return bytes;
    }

    static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header)
    {
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(header);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    foreach (var m in p.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var dtypeName = p.Value.GetProperty("dtype").GetString()!;
                var dtype = SafeTensorDTypes.FromHeaderName(dtypeName)
                    ?? throw Corrupt(path, $"tensor '{p.Name}' has dtype {dtypeName}; supported: F32, F16, BF16, I32, I64");
                var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                    throw Corrupt(path, $"tensor '{p.Name}' has bad data_offsets");
                tensors[p.Name] = new SafeTensorInfo(p.Name, dtype, shape, offsets[0], offsets[1]);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Corrupt(path, "header is not valid safetensors JSON: " + e.Message);
        }
        return (tensors, metadata);
    }

    static InvalidDataException Corrupt(string path, string what) =>
        new($"'{path}' is not a valid safetensors file: {what}.");

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
