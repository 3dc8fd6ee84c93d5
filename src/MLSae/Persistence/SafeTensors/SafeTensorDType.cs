namespace MLSae.Persistence.SafeTensors;

/// <summary>The element types MLSae reads and writes in safetensors files.</summary>
public enum SafeTensorDType
{
    /// <summary>IEEE float32 ("F32").</summary>
    F32,
    /// <summary>IEEE float16 ("F16").</summary>
    F16,
    /// <summary>bfloat16 ("BF16").</summary>
    BF16,
    /// <summary>int64 ("I64").</summary>
    I64,
    /// <summary>int32 ("I32").</summary>
    I32,
}

/// <summary>Names and sizes of <see cref="SafeTensorDType"/> values, and float conversions.</summary>
internal static class SafeTensorDTypes
{
    /// <summary>The dtype string used in the safetensors header.</summary>
    public static string ToHeaderName(this SafeTensorDType t) => t.ToString();

    /// <summary>Parses a header dtype string; null when MLSae does not support it.</summary>
    public static SafeTensorDType? FromHeaderName(string name) => name switch
    {
        "F32" => SafeTensorDType.F32,
        "F16" => SafeTensorDType.F16,
        "BF16" => SafeTensorDType.BF16,
        "I64" => SafeTensorDType.I64,
        "I32" => SafeTensorDType.I32,
        _ => null,
    };

    /// <summary>Bytes per element.</summary>
    public static int Size(this SafeTensorDType t) => t switch
    {
        SafeTensorDType.F32 or SafeTensorDType.I32 => 4,
        SafeTensorDType.F16 or SafeTensorDType.BF16 => 2,
        SafeTensorDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>bfloat16 bits to float (exact).</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>float to bfloat16 bits, rounding to nearest even (NaN stays NaN).</summary>
    public static ushort SingleToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
