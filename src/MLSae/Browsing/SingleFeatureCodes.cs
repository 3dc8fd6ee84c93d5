using System.Numerics.Tensors;
using MLSae.Models;

namespace MLSae.Browsing;

/// <summary>
/// One feature's code on one row without encoding the other m - 1 features: pre = W_enc[i] . (x - b_dec) + b_enc[i], then the
/// activation as <see cref="SaeCpuForward"/> applies it. ReLU and JumpReLU need nothing else; TopK needs the row's threshold,
/// the smallest kept code, which the streaming pass records for every row (<see cref="RowThreshold"/>). This is what makes
/// the second pass (every token of every shown window) cost O(windows x d) instead of a second full encoding of those rows.
/// </summary>
sealed class SingleFeatureCodes(SaeWeights weights)
{
    /// <summary>Whether rows need a threshold from the streaming pass.</summary>
    public bool NeedsRowThreshold => weights.Activation == SaeActivation.TopK;

    /// <summary>
    /// The row's TopK threshold from its codes ([m]): the smallest positive code when k codes are positive, else 0 (fewer than k
    /// pre-activations were positive, so every positive one was kept).
    /// </summary>
    public float RowThreshold(ReadOnlySpan<float> codes)
    {
        int positive = 0;
        float min = float.PositiveInfinity;
        foreach (var c in codes)
            if (c > 0) { positive++; if (c < min) min = c; }
        return positive >= weights.K ? min : 0f;
    }

    /// <summary>x - b_dec into <paramref name="centered"/>.</summary>
    public void Center(ReadOnlySpan<float> x, Span<float> centered) => TensorPrimitives.Subtract(x, weights.DecoderBias, centered);

    /// <summary>Feature <paramref name="i"/>'s code on a centred row with TopK threshold <paramref name="rowThreshold"/> (ignored otherwise).</summary>
    public float Code(int i, ReadOnlySpan<float> centered, float rowThreshold)
    {
        int d = weights.InputDim;
        float pre = TensorPrimitives.Dot(weights.EncoderWeights.AsSpan(i * d, d), centered) + weights.EncoderBias[i];
        return weights.Activation switch
        {
            SaeActivation.ReLU => Math.Max(pre, 0f),
            SaeActivation.JumpReLU => pre > weights.Thresholds![i] ? pre : 0f,
            // Kept when among the k largest: at or above the row's smallest kept code (ties at the threshold are kept, where the
            // full TopK keeps the lower indices first; a difference only on exactly tied floats).
            SaeActivation.TopK => pre > 0 && pre >= rowThreshold ? pre : 0f,
            _ => throw new NotSupportedException($"SaeWeights.Activation {weights.Activation} is not supported by the feature browser."),
        };
    }
}
