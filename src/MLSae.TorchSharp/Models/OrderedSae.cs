using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// Ordered SAE (Wang, Quach, Parsan, Yang, "Enforcing Orderedness to Improve Feature Consistency", arXiv 2512.02194):
/// TopK codes (<see cref="TopKSae"/>'s encoder), and every prefix of the dictionary reconstructs x on its own, computed exactly over all m prefix
/// lengths rather than sampled:
/// loss = mean_t sum_{n=1..m} w_n ||x - (b_dec + sum_{i &lt; n} f_i W_dec[i])||^2 + AuxK, with w_n = 1/m (uniform over
/// prefix lengths). A token's reconstruction changes only at its k active features, so with its active indices sorted,
/// i_1 &lt; ... &lt; i_k, the sum is piecewise constant: sum_{j=0..k} (C(i_{j+1}) - C(i_j)) ||e_j||^2, where e_j is the
/// error after the first j active features, C(n) = sum_{n' &lt;= n} w_n' = n / m, i_0 = 0 and i_{k+1} = m. That costs
/// O(B k d) per step, not O(B m d). Feature order matters, as in <see cref="MatryoshkaSae"/>.
/// </summary>
public sealed class OrderedSae : TopKSae
{
    /// <summary>Creates a randomly initialised ordered SAE.</summary>
    public OrderedSae(int inputDim, int featureCount, int k, double auxKCoefficient, Generator? generator = null, Device? device = null)
        : base(nameof(OrderedSae), inputDim, featureCount, k, auxKCoefficient, generator, device) { }

    /// <inheritdoc />
    public override SaeArchitecture Architecture => SaeArchitecture.Ordered;

    /// <inheritdoc />
    public override SaeForward Forward(Tensor x, SaeLossContext context)
    {
        Tensor pre, values, indices;
        bool sparse = SparseKernels;
        if (sparse)
        {
            using (no_grad()) pre = PreActivations(x);
            var (top, idx) = SelectTopK(x, pre, K, Math.Min(FeatureCount, 2 * K));
            values = nn.functional.relu(SelectedPreActivations.Apply(this, x, idx, top));
            indices = idx;
        }
        else
        {
            pre = nn.functional.relu(PreActivations(x));
            (values, indices) = pre.topk(K, dim: -1);
        }
        var (recon, xHat) = AllPrefixLoss(x, values, indices);
        var aux = sparse
            ? AuxKLoss.ComputeSparse(this, x, xHat, pre, context.DeadFeatureTokens, AuxKCoefficient)
            : AuxKLoss.Compute(this, x, xHat, pre, context.DeadFeatureTokens, AuxKCoefficient);
        return new SaeForward
        {
            Loss = aux is null ? recon : recon + aux, ReconstructionLoss = recon, AuxiliaryLoss = aux,
            Reconstruction = xHat, CodeIndices = indices, CodeValues = values,
        };
    }

    /// <summary>
    /// The all-prefix reconstruction loss for sparse codes <paramref name="values"/> at <paramref name="indices"/> [B, k],
    /// and the full reconstruction [B, d].
    /// </summary>
    internal (Tensor Loss, Tensor Reconstruction) AllPrefixLoss(Tensor x, Tensor values, Tensor indices)
    {
        long batch = x.shape[0], k = indices.shape[1];
        var (sorted, order) = indices.sort(dim: 1);
        var sortedValues = values.gather(1, order);
        // Contribution of each active feature, in index order, and the error after each prefix of them: e_0 .. e_k.
        var contributions = sortedValues.unsqueeze(-1) * W_dec.index_select(0, sorted.flatten()).view(batch, k, InputDim);
        var residual = (x - b_dec).unsqueeze(1);
        var errors = cat([residual, residual - contributions.cumsum(1)], 1);                  // [B, k+1, d]
        // Segment j covers prefix lengths (i_j, i_{j+1}]: its weight is (i_{j+1} - i_j) / m with i_0 = 0, i_{k+1} = m.
        var bounds = cat([zeros(batch, 1, dtype: ScalarType.Int64, device: x.device), sorted,
                          full(batch, 1, FeatureCount, dtype: ScalarType.Int64, device: x.device)], 1);
        var weights = (bounds.narrow(1, 1, k + 1) - bounds.narrow(1, 0, k + 1)).to(x.dtype) / FeatureCount;
        var loss = (errors.square().sum(-1) * weights).sum(1).mean();
        var xHat = x - errors.select(1, k);
        return (loss, xHat);
    }
}
