using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>What the trainer tells a module about the current step.</summary>
/// <param name="Step">The optimizer step being computed (1-based).</param>
/// <param name="SparsityCoefficient">The sparsity coefficient after warm-up and adaptive scaling (L1 for standard, L0 penalty for jumprelu).</param>
/// <param name="DeadFeatureTokens">Tokens without firing after which a feature is dead (AuxK).</param>
public readonly record struct SaeLossContext(long Step, double SparsityCoefficient, long DeadFeatureTokens);

/// <summary>
/// A module's forward pass on one batch. Codes come either dense (<see cref="Codes"/> [B,m]) or
/// sparse (<see cref="CodeIndices"/>/<see cref="CodeValues"/> [B,k]), whichever the architecture computes.
/// </summary>
public sealed class SaeForward
{
    /// <summary>Total loss (scalar), what backward runs on.</summary>
    public required Tensor Loss { get; init; }
    /// <summary>Reconstruction loss: mean over tokens of ||x - x_hat||^2 (Matryoshka: the weighted sum over prefixes).</summary>
    public required Tensor ReconstructionLoss { get; init; }
    /// <summary>Sparsity loss term (L1 x coefficient, or the L0 penalty); zero for TopK.</summary>
    public Tensor? SparsityLoss { get; init; }
    /// <summary>Auxiliary loss (AuxK x coefficient); null when absent.</summary>
    public Tensor? AuxiliaryLoss { get; init; }
    /// <summary>Full reconstruction [B, d].</summary>
    public required Tensor Reconstruction { get; init; }
    /// <summary>Dense codes [B, m], or null when sparse.</summary>
    public Tensor? Codes { get; init; }
    /// <summary>Feature indices [B, k] (sparse codes).</summary>
    public Tensor? CodeIndices { get; init; }
    /// <summary>Code values [B, k] (sparse codes).</summary>
    public Tensor? CodeValues { get; init; }

    /// <summary>
    /// The result of a loss that is the reconstruction error mean_t ||x - x_hat||^2 plus an optional auxiliary term (the
    /// top-k family); codes either dense or sparse.
    /// </summary>
    public static SaeForward Reconstructing(Tensor x, Tensor xHat, Tensor? auxiliary, Tensor? codes = null, Tensor? indices = null, Tensor? values = null)
    {
        var recon = (xHat - x).square().sum(-1).mean();
        return new SaeForward
        {
            Loss = auxiliary is null ? recon : recon + auxiliary, ReconstructionLoss = recon, AuxiliaryLoss = auxiliary,
            Reconstruction = xHat, Codes = codes, CodeIndices = indices, CodeValues = values,
        };
    }

    /// <summary>Per-feature firing counts and activation sums over the batch, [m] float32 each, without gradient.</summary>
    public (Tensor Counts, Tensor Sums) FeatureStatistics(int featureCount)
    {
        using var _ = no_grad();
        if (Codes is { } f)
            return ((f > 0).sum(dim: 0, type: ScalarType.Float32), f.dtype == ScalarType.Float32 ? f.detach().sum(dim: 0) : f.detach().sum(dim: 0, type: ScalarType.Float32));
        var idx = CodeIndices!.flatten();
        var vals = CodeValues!.detach().flatten();
        var counts = zeros(featureCount, device: idx.device).index_add_(0, idx, (vals > 0).to(ScalarType.Float32), 1);
        var sums = zeros(featureCount, device: idx.device).index_add_(0, idx, vals, 1);
        return (counts, sums);
    }
}
