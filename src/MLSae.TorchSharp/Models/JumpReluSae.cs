using MLSae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// JumpReLU SAE (Rajamanoharan et al.): f_i = z_i H(z_i - theta_i), theta = exp(log_threshold).
/// Straight-through pseudo-derivatives with a rectangle kernel of bandwidth eps:
/// d f/d theta = -(theta/eps) K((z-theta)/eps), d H/d theta = -(1/eps) K((z-theta)/eps), K(u) = 1{|u| &lt; 1/2}.
/// loss = mean_t ||x - x_hat||^2 + c (L0 / target_l0 - 1)^2.
/// </summary>
public sealed class JumpReluSae : SaeModule
{
    readonly double _bandwidth;
    readonly double _targetL0;

    /// <summary>Straight-through rectangle-kernel bandwidth eps, in the trainer's (normalised) activation space.</summary>
    public double Bandwidth => _bandwidth;

    /// <summary>Per-feature log thresholds [m].</summary>
    public Parameter LogThreshold { get; }

    /// <summary>Creates a randomly initialised JumpReLU SAE.</summary>
    public JumpReluSae(int inputDim, int featureCount, double bandwidth, double targetL0, double initialThreshold, Generator? generator = null, Device? device = null)
        : base(nameof(JumpReluSae), inputDim, featureCount, generator, device)
    {
        _bandwidth = bandwidth;
        _targetL0 = targetL0;
        LogThreshold = new Parameter(full(featureCount, Math.Log(initialThreshold), device: Device));
        register_parameter("log_threshold", LogThreshold);
    }

    /// <inheritdoc />
    public override SaeArchitecture Architecture => SaeArchitecture.JumpReLU;
    /// <inheritdoc />
    public override SaeActivation InferenceActivation => SaeActivation.JumpReLU;

    /// <inheritdoc />
    public override Tensor Encode(Tensor x)
    {
        var z = PreActivations(x);
        return z * (z > LogThreshold.exp());
    }

    /// <inheritdoc />
    public override SaeForward Forward(Tensor x, SaeLossContext context)
    {
        var z = PreActivations(x);
        var theta = LogThreshold.exp();
        var thetaFixed = theta.detach();
        var zeroWithThetaGrad = theta - thetaFixed;   // value 0, gradient 1 w.r.t. theta
        Tensor mask, codeSte, l0Ste;
        using (no_grad())
        {
            mask = (z > thetaFixed).to(ScalarType.Float32);
            var window = ((z - thetaFixed).abs() < _bandwidth / 2).to(ScalarType.Float32);
            codeSte = window * (thetaFixed / -_bandwidth);            // d f / d theta per token
            l0Ste = window.sum(dim: 0) / (-_bandwidth * z.shape[0]);       // d L0 / d theta
        }
        var f = z * mask + codeSte * zeroWithThetaGrad;
        var l0 = mask.sum(-1).mean() + (l0Ste * zeroWithThetaGrad).sum();
        var xHat = Decode(f);
        var recon = (xHat - x).square().sum(-1).mean();
        var sparsity = (l0 / _targetL0 - 1).square() * context.SparsityCoefficient;
        return new SaeForward { Loss = recon + sparsity, ReconstructionLoss = recon, SparsityLoss = sparsity, Reconstruction = xHat, Codes = f };
    }

    /// <summary>
    /// Sets each threshold to the quantile of that feature's pre-activations on <paramref name="sample"/> [n, d] above
    /// which it fires on <paramref name="targetL0"/> / m of the rows, so L0 starts at the target. Features that fire on
    /// fewer rows keep their threshold.
    /// </summary>
    public void StartThresholdsAtTargetL0(Tensor sample, double targetL0)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = sample.shape[0];
        int rank = (int)Math.Clamp(Math.Round(n * targetL0 / FeatureCount), 1, n);
        var (largest, _) = PreActivations(sample).topk(rank, dim: 0);
        var quantile = largest[rank - 1];
        LogThreshold.copy_(where(quantile > 0, quantile, LogThreshold.exp()).log());
    }

    /// <inheritdoc />
    public override float[]? ExportThresholds() => LogThreshold.detach().exp().cpu().data<float>().ToArray();

    /// <inheritdoc />
    public override void ImportThresholds(float[]? thresholds)
    {
        if (thresholds is null) return;
        using var _ = no_grad();
        LogThreshold.copy_(tensor(thresholds).log());
    }

    /// <inheritdoc />
    public override IEnumerable<(Parameter Parameter, long FeatureDim)> FeatureParameters() =>
        base.FeatureParameters().Append((LogThreshold, 0));
}
