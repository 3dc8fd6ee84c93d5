using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// AuxK (Gao et al.): the k_aux largest pre-activations among dead features reconstruct the
/// residual e = x - x_hat; loss = mean_t ||e - e_hat||^2 / mean_t ||e - mean e||^2.
/// </summary>
static class AuxKLoss
{
    /// <summary>The AuxK loss times <paramref name="coefficient"/>, or null when no feature is dead.</summary>
    public static Tensor? Compute(SaeModule sae, Tensor x, Tensor xHat, Tensor postReluPre, long deadFeatureTokens, double coefficient)
    {
        if (coefficient <= 0) return null;
        var dead = sae.TokensSinceFired >= deadFeatureTokens;
        long deadCount = dead.sum().item<long>();
        if (deadCount == 0) return null;
        long kAux = Math.Min(sae.InputDim / 2, deadCount);
        var masked = postReluPre.masked_fill(dead.logical_not().unsqueeze(0), float.NegativeInfinity);
        var (vals, idx) = masked.topk((int)kAux, dim: -1);
        var codes = zeros_like(postReluPre).scatter(1, idx, nn.functional.relu(vals));
        var eHat = mm(codes, sae.W_dec);
        var e = (x - xHat).detach();
        var num = (eHat - e).square().sum(-1).mean();
        var den = (e - e.mean([0])).square().sum(-1).mean();
        return (num / den).nan_to_num(0.0) * coefficient;
    }
}
