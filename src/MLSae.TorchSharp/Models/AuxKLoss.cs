using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// AuxK (Gao et al.): the k_aux largest pre-activations among dead features reconstruct the
/// residual e = x - x_hat; loss = mean_t ||e - e_hat||^2 / mean_t ||e - mean e||^2.
/// </summary>
static class AuxKLoss
{
    /// <summary>The AuxK loss times <paramref name="coefficient"/>, or null when no feature is dead; gradient flows through <paramref name="postReluPre"/>.</summary>
    public static Tensor? Compute(SaeModule sae, Tensor x, Tensor xHat, Tensor postReluPre, long deadFeatureTokens, double coefficient)
    {
        if (SelectDead(sae, x, postReluPre, deadFeatureTokens, coefficient, refine: false) is not var (vals, idx)) return null;
        var codes = zeros_like(postReluPre).scatter(1, idx, nn.functional.relu(vals));
        return Normalised(sae.Product(codes, sae.W_dec), x, xHat, coefficient);
    }

    /// <summary>
    /// The same loss from pre-activations computed without gradient: the selected ones get their gradient through
    /// <see cref="SelectedPreActivations"/> and are decoded by <see cref="SparseDecode"/> (the top-k family's sparse path).
    /// </summary>
    public static Tensor? ComputeSparse(SaeModule sae, Tensor x, Tensor xHat, Tensor pre, long deadFeatureTokens, double coefficient)
    {
        if (SelectDead(sae, x, pre, deadFeatureTokens, coefficient, refine: true) is not var (vals, idx)) return null;
        var codes = nn.functional.relu(SelectedPreActivations.Apply(sae, x, idx, vals));
        return Normalised(SparseDecode.Apply(codes, idx, sae.W_dec, sae.GenericSparseOps), x, xHat, coefficient);
    }

    // The k_aux = min(d/2, dead) largest pre-activations among dead features, or null when AuxK is off or none is dead;
    // refined in float32 on the sparse path (SaeModule.SelectTopK).
    static (Tensor Values, Tensor Indices)? SelectDead(SaeModule sae, Tensor x, Tensor pre, long deadFeatureTokens, double coefficient, bool refine)
    {
        if (coefficient <= 0) return null;
        var dead = sae.TokensSinceFired >= deadFeatureTokens;
        long deadCount = dead.sum().item<long>();
        if (deadCount == 0) return null;
        long kAux = Math.Min(sae.InputDim / 2, deadCount);
        var masked = pre.masked_fill(dead.logical_not().unsqueeze(0), float.NegativeInfinity);
        return refine ? sae.SelectTopK(x, masked, (int)kAux, (int)Math.Min(2 * kAux, deadCount)) : masked.topk((int)kAux, dim: -1);
    }

    static Tensor Normalised(Tensor eHat, Tensor x, Tensor xHat, double coefficient)
    {
        var e = (x - xHat).detach();
        var num = (eHat - e).square().sum(-1).mean();
        var den = (e - e.mean([0])).square().sum(-1).mean();
        return (num / den).nan_to_num(0.0) * coefficient;
    }
}
