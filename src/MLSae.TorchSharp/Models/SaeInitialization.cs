using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// The initial weight scales of every architecture, in one place. Directions are shared: each decoder row is a random
/// unit vector and each encoder row points the same way (W_enc = c W_dec); only the row norms differ:
/// <list type="table">
/// <item><term>Standard, plain L1</term><description>decoder 1, encoder <see cref="StandardEncoderNorm"/> (dictionary_learning
/// AutoEncoder + ConstrainedAdam: tied rows at norm 0.1, the decoder renormalised to 1 after the first step).</description></item>
/// <item><term>Standard, L1 x decoder norm</term><description>decoder and encoder <see cref="DecoderNormInitNorm"/>
/// (Anthropic's April 2024 update; dictionary_learning AutoEncoderNew; SAELens decoder_init_norm 0.1 with
/// init_encoder_as_decoder_transpose).</description></item>
/// <item><term>JumpReLU, TopK, BatchTopK, Matryoshka</term><description>decoder and encoder 1 (dictionary_learning
/// JumpReluAutoEncoder, AutoEncoderTopK and the BatchTopK/Matryoshka trainers: W_enc = W_dec^T, unit rows). The
/// top-k family keeps only k codes, and JumpReLU's threshold and L0 loss prune quickly, so the start is not blown up.</description></item>
/// </list>
/// Why it matters: with ReLU and zero biases about half the features fire on each token, so a tied unit-norm standard SAE
/// reconstructs about (m / 2d) x at step 0 (4x at m = 8d, explained variance near -10); the 0.1 encoder starts it at
/// about 0.4x. <see cref="WeightInit.TiedUnitNorm"/> restores the old tied unit-norm start for every architecture.
/// </summary>
public static class SaeInitialization
{
    /// <summary>Encoder row norm of a plain-L1 standard SAE (decoder rows unit norm).</summary>
    public const double StandardEncoderNorm = 0.1;
    /// <summary>Decoder and encoder row norm of a standard SAE with <see cref="L1Weighting.DecoderNorm"/>.</summary>
    public const double DecoderNormInitNorm = 0.1;

    /// <summary>Initial (decoder, encoder) row norms for <paramref name="options"/>.</summary>
    public static (double Decoder, double Encoder) RowNorms(SaeTrainingOptions options)
    {
        if (options.WeightInit == WeightInit.TiedUnitNorm || options.Architecture != SaeArchitecture.Standard) return (1, 1);
        return options.L1Weighting == L1Weighting.DecoderNorm ? (DecoderNormInitNorm, DecoderNormInitNorm) : (1, StandardEncoderNorm);
    }

    /// <summary>Rescales the rows of a freshly built module (unit-norm tied rows) to <see cref="RowNorms"/>; consumes no random numbers.</summary>
    public static void Apply(SaeModule module, SaeTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(module);
        var (decoder, encoder) = RowNorms(options);
        using var _ = no_grad();
        if (decoder != 1) module.W_dec.mul_(decoder);
        if (encoder != 1) module.W_enc.mul_(encoder);
    }
}
