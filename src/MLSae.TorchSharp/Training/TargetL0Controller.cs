namespace MLSae.Training;

/// <summary>Checkpointed state of <see cref="TargetL0Controller"/> (exact doubles, so a resume is bit for bit).</summary>
sealed record TargetL0ControllerState(double LogCoefficient, double L0Average);

/// <summary>
/// Adapts the L1 coefficient of a standard SAE so that its L0 settles at <see cref="SaeTrainingOptions.TargetL0"/>:
/// integral control in log space on a moving average of the per-step L0,
/// log c += gain x (lr / peak lr) x ln(L0_avg / target), once per optimizer step.
/// It reads only L0 (a sum over features), so permuting features (exact reordering) leaves it unchanged.
/// The gain follows the learning rate because the SAE can only follow the coefficient as fast as it learns: during
/// the learning-rate warm-up a full-speed controller would wind up and overshoot into dead features.
/// </summary>
sealed class TargetL0Controller
{
    /// <summary>Decay of the L0 moving average (about 10 steps).</summary>
    public const double Decay = 0.9;
    /// <summary>Change of ln(coefficient) per step per unit of ln(L0 / target), at the peak learning rate.</summary>
    public const double Gain = 0.01;
    /// <summary>
    /// Largest change of ln(coefficient) in one step (x e per 100 steps). The SAE answers a higher coefficient only
    /// after some 30-50 steps and then abruptly (L0 1,440 -> 29 within 80 steps on MiniLM), so a faster ramp winds up:
    /// at 0.05 the coefficient overshot to 10x what L0 = 32 needs and explained variance fell to 0.03 (docs/training.md).
    /// </summary>
    public const double MaxStep = 0.01;

    readonly double _target;

    TargetL0Controller(double target, double initialCoefficient)
    {
        _target = target;
        LogCoefficient = Math.Log(initialCoefficient);
    }

    /// <summary>A controller for <paramref name="o"/>, or null when the coefficient is fixed (no target, or not a standard SAE).</summary>
    public static TargetL0Controller? For(SaeTrainingOptions o) =>
        o.Architecture == MLSae.Models.SaeArchitecture.Standard && o.TargetL0 is { } t ? new TargetL0Controller(t, o.L1Coefficient) : null;

    /// <summary>ln of the current coefficient.</summary>
    public double LogCoefficient { get; private set; }
    /// <summary>Moving average of the per-step L0; negative before the first step.</summary>
    public double L0Average { get; private set; } = -1;
    /// <summary>The L1 coefficient for the next step.</summary>
    public double Coefficient => Math.Exp(LogCoefficient);

    /// <summary>After an optimizer step: <paramref name="l0"/> of that step and the learning rate as a fraction of its peak.</summary>
    public void Update(double l0, double learningRateFraction)
    {
        L0Average = L0Average < 0 ? l0 : Decay * L0Average + (1 - Decay) * l0;
        double error = Math.Log(Math.Max(L0Average, 1e-3) / _target);
        LogCoefficient += Math.Clamp(Gain * learningRateFraction * error, -MaxStep, MaxStep);
    }

    public TargetL0ControllerState Save() => new(LogCoefficient, L0Average);

    public void Load(TargetL0ControllerState state)
    {
        LogCoefficient = state.LogCoefficient;
        L0Average = state.L0Average;
    }
}
