using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace MLSae.Persistence.SafeTensors;

/// <summary>
/// Collects tensors and writes them as one .safetensors file, atomically. Tensors are laid out
/// in name order (as the Python writer does) and the header is padded to 8 bytes.
/// </summary>
public sealed class SafeTensorsWriter
{
    readonly SortedDictionary<string, (SafeTensorDType DType, long[] Shape, byte[] Data)> _tensors = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>Adds a float tensor stored as <paramref name="dtype"/> (F32, F16 or BF16).</summary>
    public SafeTensorsWriter Add(string name, ReadOnlySpan<float> values, long[] shape, SafeTensorDType dtype = SafeTensorDType.F32)
    {
        CheckShape(name, values.Length, shape);
        byte[] data;
        switch (dtype)
        {
            case SafeTensorDType.F32:
                data = MemoryMarshal.AsBytes(values).ToArray();
                break;
            case SafeTensorDType.F16:
                data = new byte[values.Length * 2];
                var halves = MemoryMarshal.Cast<byte, Half>(data.AsSpan());
                for (int i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
                break;
            case SafeTensorDType.BF16:
                data = new byte[values.Length * 2];
                var bf = MemoryMarshal.Cast<byte, ushort>(data.AsSpan());
                for (int i = 0; i < values.Length; i++) bf[i] = SafeTensorDTypes.SingleToBFloat16(values[i]);
                break;
            default:
                throw new ArgumentException($"Float tensors are stored as F32, F16 or BF16, not {dtype}.", nameof(dtype));
        }
        _tensors[name] = (dtype, shape.ToArray(), data);
        return this;
    }

    /// <summary>Adds an int64 tensor.</summary>
    public SafeTensorsWriter Add(string name, ReadOnlySpan<long> values, long[] shape)
    {
        CheckShape(name, values.Length, shape);
        _tensors[name] = (SafeTensorDType.I64, shape.ToArray(), MemoryMarshal.AsBytes(values).ToArray());
        return this;
    }

    /// <summary>Adds a "__metadata__" entry.</summary>
    public SafeTensorsWriter AddMetadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    /// <summary>Writes the file atomically.</summary>
    public void Save(string path) => AtomicFile.Write(path, Write);

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public void Write(Stream stream)
    {
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (_metadata.Count > 0) header["__metadata__"] = _metadata;
        long offset = 0;
        foreach (var (name, t) in _tensors)
        {
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = t.DType.ToHeaderName(),
                ["shape"] = t.Shape,
                ["data_offsets"] = new[] { offset, offset + t.Data.Length },
            };
            offset += t.Data.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        stream.Write(len);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var t in _tensors.Values) stream.Write(t.Data);
    }

    static void CheckShape(string name, int count, long[] shape)
    {
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        if (expected != count)
            throw new ArgumentException($"Tensor '{name}' has {count} values but shape [{string.Join(", ", shape)}] holds {expected}.", nameof(shape));
    }
}
