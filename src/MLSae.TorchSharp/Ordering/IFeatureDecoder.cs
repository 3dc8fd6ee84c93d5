using static TorchSharp.torch;

namespace MLSae.Ordering;

/// <summary>
/// Implemented by SAE modules that expose their decoder, so the importance key (mean f_i x ||W_dec[i]||) can be
/// computed during training. Modules without it can still be reordered by frequency or mean activation.
/// </summary>
public interface IFeatureDecoder
{
    /// <summary>The decoder weights, with features along <see cref="DecoderFeatureDim"/> (0 for [m, d]).</summary>
    Tensor DecoderWeights { get; }

    /// <summary>The dimension of <see cref="DecoderWeights"/> indexed by feature.</summary>
    long DecoderFeatureDim => 0;
}
