using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// TopK SAE (Gao et al.; dictionary_learning TopKTrainer): f keeps the k largest ReLU'd
/// pre-activations per token; loss = mean_t ||x - x_hat||^2 + AuxK on dead features.
/// On the CPU the codes stay sparse: one dense product chooses the features, then the decoder and
/// both weight gradients touch only the k active rows (<see cref="SparseDecode"/>, <see cref="SelectedPreActivations"/>).
/// </summary>
public class TopKSae : SaeModule
{
    /// <summary>AuxK loss weight.</summary>
    protected double AuxKCoefficient { get; }

    /// <summary>Creates a randomly initialised TopK SAE.</summary>
    public TopKSae(int inputDim, int featureCount, int k, double auxKCoefficient, Generator? generator = null, Device? device = null)
        : this(nameof(TopKSae), inputDim, featureCount, k, auxKCoefficient, generator, device) { }

    /// <summary>For subclasses with other losses on the same codes (<see cref="OrderedSae"/>).</summary>
    protected TopKSae(string name, int inputDim, int featureCount, int k, double auxKCoefficient, Generator? generator, Device? device = null)
        : base(name, inputDim, featureCount, generator, device)
    {
        if (k <= 0 || k > featureCount) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, m={featureCount}].");
        K = k;
        AuxKCoefficient = auxKCoefficient;
    }

    /// <summary>Active features per token.</summary>
    public int K { get; }
    /// <inheritdoc />
    public override SaeArchitecture Architecture => SaeArchitecture.TopK;
    /// <inheritdoc />
    public override SaeActivation InferenceActivation => SaeActivation.TopK;
    /// <inheritdoc />
    public override int ExportK => K;

    /// <inheritdoc />
    public override Tensor Encode(Tensor x)
    {
        var pre = nn.functional.relu(PreActivations(x));
        var (vals, idx) = pre.topk(K, dim: -1);
        return zeros_like(pre).scatter_(1, idx, vals);
    }

    /// <inheritdoc />
    public override SaeForward Forward(Tensor x, SaeLossContext context) =>
        SparseKernels ? SparseForward(x, context) : DenseForward(x, context);

    SaeForward SparseForward(Tensor x, SaeLossContext context)
    {
        Tensor pre;
        using (no_grad()) pre = PreActivations(x);
        var (top, idx) = SelectTopK(x, pre, K, Math.Min(FeatureCount, 2 * K));
        // relu after topk equals topk after relu: both keep the same positive values.
        var vals = nn.functional.relu(SelectedPreActivations.Apply(this, x, idx, top));
        var xHat = SparseDecode.Apply(vals, idx, W_dec, GenericSparseOps) + b_dec;
        return SaeForward.Reconstructing(x, xHat, AuxKLoss.ComputeSparse(this, x, xHat, pre, context.DeadFeatureTokens, AuxKCoefficient),
            indices: idx, values: vals);
    }

    SaeForward DenseForward(Tensor x, SaeLossContext context)
    {
        var pre = nn.functional.relu(PreActivations(x));
        var (vals, idx) = pre.topk(K, dim: -1);
        var f = zeros_like(pre).scatter(1, idx, vals);
        var xHat = Decode(f);
        return SaeForward.Reconstructing(x, xHat, AuxKLoss.Compute(this, x, xHat, pre, context.DeadFeatureTokens, AuxKCoefficient),
            indices: idx, values: vals);
    }
}
