using MLSae.Persistence.SafeTensors;

namespace MLSae.Activations.Cache;

/// <summary>How activations are stored in cache shards. Reading always yields float32.</summary>
public enum ActivationDType
{
    /// <summary>IEEE float32, little-endian: exact (manifest name "f32").</summary>
    Float32,
    /// <summary>bfloat16 (the upper 16 bits of a float32, rounded to nearest even), little-endian: half the disk (manifest name "bf16").</summary>
    BFloat16,
}

/// <summary>Names, sizes and conversions of <see cref="ActivationDType"/>.</summary>
public static class ActivationDTypes
{
    /// <summary>The name written in manifest.json and accepted on the command line: "f32" or "bf16".</summary>
    public static string ToManifestName(this ActivationDType t) => t switch
    {
        ActivationDType.Float32 => "f32",
        ActivationDType.BFloat16 => "bf16",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>Parses "f32"/"float32" or "bf16"/"bfloat16" (case-insensitive); null otherwise.</summary>
    public static ActivationDType? Parse(string? name) => name?.ToLowerInvariant() switch
    {
        "f32" or "float32" => ActivationDType.Float32,
        "bf16" or "bfloat16" => ActivationDType.BFloat16,
        _ => null,
    };

    /// <summary>Bytes per stored element.</summary>
    public static int ElementSize(this ActivationDType t) => t == ActivationDType.BFloat16 ? 2 : 4;

    /// <summary>Converts floats to bfloat16 bits (round to nearest even, as <see cref="SafeTensorDTypes.SingleToBFloat16"/>).</summary>
    internal static void ToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        for (int i = 0; i < source.Length; i++)
            destination[i] = SafeTensorDTypes.SingleToBFloat16(source[i]);
    }

    /// <summary>Converts bfloat16 bits to floats (exact: a shift into the high half).</summary>
    internal static void FromBFloat16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("Destination is shorter than source.", nameof(destination));
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int n = System.Numerics.Vector<ushort>.Count;
            int w = System.Numerics.Vector<uint>.Count;
            for (; i <= source.Length - n; i += n)
            {
                var v = new System.Numerics.Vector<ushort>(source.Slice(i));
                System.Numerics.Vector.Widen(v, out var lo, out var hi);
                System.Numerics.Vector.AsVectorSingle(System.Numerics.Vector.ShiftLeft(lo, 16)).CopyTo(destination.Slice(i));
                System.Numerics.Vector.AsVectorSingle(System.Numerics.Vector.ShiftLeft(hi, 16)).CopyTo(destination.Slice(i + w));
            }
        }
        for (; i < source.Length; i++)
            destination[i] = BitConverter.Int32BitsToSingle(source[i] << 16);
    }
}
