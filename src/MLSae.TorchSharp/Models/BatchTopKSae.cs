using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// BatchTopK SAE (Bussmann et al.; dictionary_learning BatchTopKTrainer): keep the k x B largest
/// ReLU'd pre-activations across the batch. The inference threshold is a moving average of the
/// smallest kept activation; at inference f = relu(pre) where relu(pre) &gt; threshold.
/// loss = mean_t ||x - x_hat||^2 + AuxK on dead features.
/// </summary>
public class BatchTopKSae : SaeModule
{
    readonly double _auxKCoefficient;
    readonly long _thresholdStartStep;
    readonly double _thresholdDecay;

    /// <summary>Creates a randomly initialised BatchTopK SAE.</summary>
    public BatchTopKSae(int inputDim, int featureCount, int k, double auxKCoefficient, long thresholdStartStep, double thresholdDecay, Generator? generator = null)
        : this(nameof(BatchTopKSae), inputDim, featureCount, k, auxKCoefficient, thresholdStartStep, thresholdDecay, generator) { }

    /// <summary>For subclasses (Matryoshka).</summary>
    protected BatchTopKSae(string name, int inputDim, int featureCount, int k, double auxKCoefficient, long thresholdStartStep, double thresholdDecay, Generator? generator)
        : base(name, inputDim, featureCount, generator)
    {
        if (k <= 0 || k > featureCount) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, m={featureCount}].");
        K = k;
        _auxKCoefficient = auxKCoefficient;
        _thresholdStartStep = thresholdStartStep;
        _thresholdDecay = thresholdDecay;
        Threshold = full(1, -1f);
        register_buffer("threshold", Threshold);
    }

    /// <summary>Average active features per token.</summary>
    public int K { get; }
    /// <summary>[1] inference threshold; negative until tracking starts.</summary>
    public Tensor Threshold { get; }
    /// <inheritdoc />
    public override SaeArchitecture Architecture => SaeArchitecture.BatchTopK;
    /// <inheritdoc />
    public override SaeActivation InferenceActivation => SaeActivation.JumpReLU;

    /// <inheritdoc />
    public override Tensor Encode(Tensor x)
    {
        var pre = nn.functional.relu(PreActivations(x));
        return pre * (pre > Threshold.clamp_min(0));
    }

    /// <summary>Batch top-(k x B) codes [B, m] of ReLU'd pre-activations; updates the threshold from <paramref name="context"/>'s step on.</summary>
    protected Tensor BatchCodes(Tensor pre, SaeLossContext context)
    {
        long batch = pre.shape[0];
        var flat = pre.flatten();
        var (vals, idx) = flat.topk((int)Math.Min(K * batch, flat.shape[0]));
        if (context.Step >= _thresholdStartStep)
        {
            using var _ = no_grad();
            var positive = vals.detach().masked_select(vals.detach() > 0);
            if (positive.numel() > 0)
            {
                var min = positive.min();
                if (Threshold.item<float>() < 0) Threshold.copy_(min.reshape(1));
                else Threshold.mul_(_thresholdDecay).add_(min * (1 - _thresholdDecay));
            }
        }
        return zeros_like(flat).scatter(0, idx, vals).view(pre.shape);
    }

    /// <inheritdoc />
    public override SaeForward Forward(Tensor x, SaeLossContext context)
    {
        var pre = nn.functional.relu(PreActivations(x));
        var f = BatchCodes(pre, context);
        var xHat = Decode(f);
        var recon = (xHat - x).square().sum(-1).mean();
        var aux = AuxKLoss.Compute(this, x, xHat, pre, context.DeadFeatureTokens, _auxKCoefficient);
        return new SaeForward { Loss = aux is null ? recon : recon + aux, ReconstructionLoss = recon, AuxiliaryLoss = aux, Reconstruction = xHat, Codes = f };
    }

    /// <summary>Auxiliary loss for subclasses.</summary>
    protected Tensor? AuxK(Tensor x, Tensor xHat, Tensor pre, SaeLossContext context) =>
        AuxKLoss.Compute(this, x, xHat, pre, context.DeadFeatureTokens, _auxKCoefficient);

    /// <inheritdoc />
    public override float[]? ExportThresholds() => Enumerable.Repeat(Math.Max(0f, Threshold.item<float>()), FeatureCount).ToArray();

    /// <inheritdoc />
    public override void ImportThresholds(float[]? thresholds)
    {
        if (thresholds is { Length: > 0 }) Threshold.fill_(thresholds[0]);
    }
}
