using System.Numerics;
using System.Runtime.InteropServices;

namespace MLSae.Activations;

/// <summary>
/// Finds NaN and infinity in activation rows as they are read. One vectorised pass over data that was just
/// copied (x - x is 0 for every finite x and NaN otherwise), so every batch can be checked at memory speed:
/// a bad value is reported where it is, instead of as a diverged loss or NaN codes much later.
/// </summary>
static class NonFiniteValues
{
    /// <summary>Index of the first NaN or infinity in <paramref name="values"/>, or -1.</summary>
    public static long IndexOfFirst(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (int v = 0; v < vectors.Length; v++)
            {
                var x = vectors[v];
                if (!Vector.EqualsAll(x - x, Vector<float>.Zero))
                {
                    i = v * Vector<float>.Count;
                    break;
                }
                i = (v + 1) * Vector<float>.Count;
            }
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>"NaN" or "+infinity" or "-infinity".</summary>
    public static string Describe(float value) =>
        float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
}
