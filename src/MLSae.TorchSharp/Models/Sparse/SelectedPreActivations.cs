using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MLSae.Models;

/// <summary>
/// The pre-activations W_enc[i] · (x − b_dec) + b_enc[i] at k selected features per token, [B, k], with a
/// sparse backward pass. The top-k family computes all pre-activations without gradient (one [B, d] × [d, m] product)
/// to choose the features; only the chosen ones receive gradient, so dL/dW_enc[i] = Σ_{idx[b,j]=i} g[b,j] (x[b] − b_dec)
/// costs B·k·d instead of a second dense product. x is treated as data (no gradient).
/// </summary>
sealed class SelectedPreActivations : SingleTensorFunction<SelectedPreActivations>
{
    /// <inheritdoc />
    public override string Name => nameof(SelectedPreActivations);

    /// <summary>
    /// Returns <paramref name="selected"/> (the pre-activations at <paramref name="indices"/>, computed without gradient)
    /// as a float32 tensor whose gradient flows into <paramref name="sae"/>'s W_enc, b_enc and b_dec. With bf16 products the
    /// selection and these values come from the bf16 product; the kernels here run in float32 on them (they cost B·k·d).
    /// </summary>
    public static Tensor Apply(SaeModule sae, Tensor x, Tensor indices, Tensor selected) =>
        apply(x, indices, selected.to(ScalarType.Float32), sae.W_enc, sae.b_enc, sae.b_dec, sae.GenericSparseOps);

    /// <inheritdoc />
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (x, indices, selected) = ((Tensor)vars[0], ((Tensor)vars[1]).contiguous(), (Tensor)vars[2]);
        var (encoder, decoderBias) = ((Tensor)vars[3], (Tensor)vars[5]);
        ctx.save_for_backward([x, indices, encoder, decoderBias]);
        ctx.save_data("generic", SparseCodes.Generic(x, (bool)vars[6]));
        return selected.clone();
    }

    /// <inheritdoc />
    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var (x, indices, encoder, decoderBias) = (saved[0], saved[1], saved[2], saved[3]);
        var centered = (x - decoderBias).contiguous();
        var (gradEncoder, gradEncoderBias) = SparseCodes.Scatter(gradOutput.contiguous(), indices, centered, encoder.shape[0], (bool)ctx.get_data("generic"));
        // b_dec enters every selected pre-activation as −W_enc[i] · b_dec.
        var gradDecoderBias = -mv(encoder.t(), gradEncoderBias);
        return [null!, null!, null!, gradEncoder, gradEncoderBias, gradDecoderBias, null!];   // one entry per argument, the flag included
    }
}
