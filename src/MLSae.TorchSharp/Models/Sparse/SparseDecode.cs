using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MLSae.Models;

/// <summary>
/// x̂ − b_dec from k-sparse codes: Σ_j v[b,j] W_dec[idx[b,j]], [B, d]. The backward pass computes
/// dL/dv[b,j] = g[b] · W_dec[idx[b,j]] and dL/dW_dec[i] = Σ_{idx[b,j]=i} v[b,j] g[b] from the k active
/// rows only, where a dense decoder pays two more [B, m] × [m, d] products.
/// </summary>
sealed class SparseDecode : SingleTensorFunction<SparseDecode>
{
    /// <inheritdoc />
    public override string Name => nameof(SparseDecode);

    /// <summary>
    /// Decodes values [B, k] at indices [B, k] (int64) with decoder rows [m, d]; <paramref name="forceGeneric"/> takes the
    /// device-generic ops even where the CPU kernels apply (<see cref="SparseCodes"/>).
    /// </summary>
    public static Tensor Apply(Tensor values, Tensor indices, Tensor decoder, bool forceGeneric = false) => apply(values, indices, decoder, forceGeneric);

    /// <inheritdoc />
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (values, indices, decoder) = (((Tensor)vars[0]).contiguous(), ((Tensor)vars[1]).contiguous(), (Tensor)vars[2]);
        bool generic = SparseCodes.Generic(values, (bool)vars[3]);
        ctx.save_for_backward([values, indices, decoder]);
        ctx.save_data("generic", generic);
        return SparseCodes.Combine(values, indices, decoder.contiguous(), generic);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var (values, indices, decoder) = (saved[0], saved[1], saved[2].contiguous());
        var g = gradOutput.contiguous();
        bool generic = (bool)ctx.get_data("generic");
        var gradValues = SparseCodes.Dots(g, indices, decoder, generic);
        var (gradDecoder, _) = SparseCodes.Scatter(values, indices, g, decoder.shape[0], generic);
        return [gradValues, null!, gradDecoder, null!];   // one entry per argument, the flag included
    }
}
