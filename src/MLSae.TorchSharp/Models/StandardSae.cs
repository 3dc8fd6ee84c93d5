using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// ReLU SAE with an L1 penalty (dictionary_learning StandardTrainer):
/// loss = mean_t ||x - x_hat||^2 + l1 x mean_t sum_i |f_i| (x ||W_dec,i|| for the April update,
/// which also leaves decoder norms free).
/// </summary>
public sealed class StandardSae : SaeModule
{
    readonly L1Weighting _weighting;

    /// <summary>Creates a randomly initialised standard SAE.</summary>
    public StandardSae(int inputDim, int featureCount, L1Weighting weighting = L1Weighting.None, Generator? generator = null, Device? device = null)
        : base(nameof(StandardSae), inputDim, featureCount, generator, device) => _weighting = weighting;

    /// <inheritdoc />
    public override SaeArchitecture Architecture => SaeArchitecture.Standard;
    /// <inheritdoc />
    public override SaeActivation InferenceActivation => SaeActivation.ReLU;
    /// <inheritdoc />
    public override bool UnitNormDecoder => _weighting == L1Weighting.None;

    /// <inheritdoc />
    public override Tensor Encode(Tensor x) => nn.functional.relu(PreActivations(x));

    /// <inheritdoc />
    public override SaeForward Forward(Tensor x, SaeLossContext context)
    {
        var f = Encode(x);
        var xHat = Decode(f);
        var recon = (xHat - x).square().sum(-1).mean();
        long batch = x.shape[0];
        // f >= 0, so |f| = f; summing over the batch first keeps the L1 term O(m) after one reduction (in float32 when f is bf16).
        var l1 = _weighting == L1Weighting.DecoderNorm
            ? (SumOverBatch(f) * W_dec.square().sum(1).sqrt()).sum() / batch
            : (f.dtype == ScalarType.Float32 ? f.sum() : f.sum(type: ScalarType.Float32)) / batch;
        var sparsity = l1 * context.SparsityCoefficient;
        return new SaeForward { Loss = recon + sparsity, ReconstructionLoss = recon, SparsityLoss = sparsity, Reconstruction = xHat, Codes = f };
    }

    static Tensor SumOverBatch(Tensor f) => f.dtype == ScalarType.Float32 ? f.sum(dim: 0) : f.sum(dim: 0, type: ScalarType.Float32);
}
