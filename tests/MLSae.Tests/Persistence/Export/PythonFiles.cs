using System.Buffers.Binary;
using System.Text;

namespace MLSae.Tests.Persistence.Export;

/// <summary>Files written byte by byte the way the Python tools write them, independent of MLSae's writers.</summary>
static class PythonFiles
{
    /// <summary>A tensor for <see cref="SafeTensors"/>: values are stored as <paramref name="DType"/> ("F32" or "BF16", bf16 by truncation).</summary>
    public sealed record Tensor(string Name, long[] Shape, float[] Data, string DType = "F32");

    /// <summary>
    /// safetensors as Python's safetensors.torch.save_file / save_model write it: an 8-byte little-endian header
    /// length, the JSON header with "__metadata__": {"format": "pt"}, space padding to 8 bytes, then the data.
    /// </summary>
    public static void SafeTensors(string path, params Tensor[] tensors)
    {
        var sb = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        var ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToArray();
        foreach (var t in ordered)
        {
            long bytes = t.Data.Length * (t.DType == "BF16" ? 2L : 4L);
            sb.Append($",\"{t.Name}\":{{\"dtype\":\"{t.DType}\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }
        sb.Append('}');
        var json = Encoding.UTF8.GetBytes(sb.ToString());
        int padded = (json.Length + 7) / 8 * 8;
        using var fs = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        fs.Write(len);
        fs.Write(json);
        for (int i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
        foreach (var t in ordered)
            foreach (var v in t.Data)
            {
                if (t.DType == "BF16") fs.Write(BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)));
                else fs.Write(BitConverter.GetBytes(v));
            }
    }

    /// <summary>Values exactly representable in bfloat16 (the low 16 bits cleared), so a bf16 file holds them exactly.</summary>
    public static float[] Bf16Exact(int count, int seed, double scale, double offset = 0)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
            BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits((float)(offset + scale * (rng.NextDouble() * 2 - 1))) & 0xFFFF0000u)).ToArray();
    }
}
