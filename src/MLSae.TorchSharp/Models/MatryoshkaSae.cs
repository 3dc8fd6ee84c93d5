using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// Matryoshka SAE (Bussmann et al. / Nabeshima): BatchTopK codes; each prefix of the dictionary
/// (fixed sizes p_1 &lt; ... &lt; p_n = m) reconstructs x on its own;
/// loss = sum_j w_j mean_t ||x - (f[:, :p_j] W_dec[:p_j] + b_dec)||^2 + AuxK. Feature order matters.
/// </summary>
public sealed class MatryoshkaSae : BatchTopKSae
{
    /// <summary>Creates a randomly initialised Matryoshka SAE.</summary>
    public MatryoshkaSae(int inputDim, int featureCount, int k, int[] prefixSizes, double[] weights, double auxKCoefficient,
        long thresholdStartStep, double thresholdDecay, Generator? generator = null, Device? device = null)
        : base(nameof(MatryoshkaSae), inputDim, featureCount, k, auxKCoefficient, thresholdStartStep, thresholdDecay, generator, device)
    {
        if (prefixSizes.Length == 0 || prefixSizes[^1] != featureCount || prefixSizes.Zip(prefixSizes.Skip(1)).Any(p => p.First >= p.Second) || prefixSizes[0] <= 0)
            throw new ArgumentException($"Matryoshka prefix sizes must increase strictly and end at m={featureCount}; got [{string.Join(", ", prefixSizes)}].", nameof(prefixSizes));
        if (weights.Length != prefixSizes.Length)
            throw new ArgumentException($"{weights.Length} Matryoshka weights for {prefixSizes.Length} prefixes.", nameof(weights));
        PrefixSizes = prefixSizes;
        Weights = weights;
    }

    /// <summary>Prefix sizes p_j, increasing, last = m.</summary>
    public int[] PrefixSizes { get; }
    /// <summary>Loss weight w_j of each prefix.</summary>
    public double[] Weights { get; }
    /// <inheritdoc />
    public override SaeArchitecture Architecture => SaeArchitecture.Matryoshka;

    /// <inheritdoc />
    public override SaeForward Forward(Tensor x, SaeLossContext context) =>
        SparseKernels ? SparseForward(x, context) : DenseForward(x, context);

    SaeForward SparseForward(Tensor x, SaeLossContext context)
    {
        var (codes, idx, pre) = SparseBatchCodes(x, context);
        Tensor xHat = b_dec.expand(x.shape[0], InputDim);
        Tensor recon = zeros(1, device: x.device).squeeze();
        int start = 0;
        for (int j = 0; j < PrefixSizes.Length; j++)
        {
            int end = PrefixSizes[j];
            // Only the codes of features [start, end) are new in this prefix.
            var group = codes * idx.ge(start).logical_and(idx.lt(end)).to(ScalarType.Float32);
            xHat = xHat + SparseDecode.Apply(group, idx, W_dec, GenericSparseOps);
            recon = recon + (xHat - x).square().sum(-1).mean() * Weights[j];
            start = end;
        }
        var aux = SparseAuxK(x, xHat, pre, context);
        return new SaeForward { Loss = aux is null ? recon : recon + aux, ReconstructionLoss = recon, AuxiliaryLoss = aux, Reconstruction = xHat, CodeIndices = idx, CodeValues = codes };
    }

    SaeForward DenseForward(Tensor x, SaeLossContext context)
    {
        var pre = nn.functional.relu(PreActivations(x));
        var f = BatchCodes(pre, context);
        // Prefix reconstructions accumulate group by group, so the total cost is one decoder product.
        Tensor xHat = b_dec.expand(x.shape[0], InputDim);
        Tensor recon = zeros(1, device: x.device).squeeze();
        int start = 0;
        for (int j = 0; j < PrefixSizes.Length; j++)
        {
            int end = PrefixSizes[j];
            xHat = AddProduct(xHat, f.narrow(1, start, end - start), W_dec.narrow(0, start, end - start));
            recon = recon + (xHat - x).square().sum(-1).mean() * Weights[j];
            start = end;
        }
        var aux = AuxK(x, xHat, pre, context);
        return new SaeForward { Loss = aux is null ? recon : recon + aux, ReconstructionLoss = recon, AuxiliaryLoss = aux, Reconstruction = xHat, Codes = f };
    }
}
