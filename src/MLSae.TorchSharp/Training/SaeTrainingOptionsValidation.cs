using System.Globalization;
using MLSae.Models;

namespace MLSae.Training;

/// <summary>
/// Checks every <see cref="SaeTrainingOptions"/> value before anything is written, so a rejected run leaves a
/// run folder untouched. Errors name the option property (e.g. <c>SaeTrainingOptions.L1Coefficient</c>);
/// the CLI maps those names to its flags.
/// </summary>
public static class SaeTrainingOptionsValidation
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> for the first invalid value. With <paramref name="inputDim"/>, also
    /// checks what depends on d: that m fits in an int and that k does not exceed m.
    /// </summary>
    /// <param name="o">The options.</param>
    /// <param name="inputDim">Activation width d, when known.</param>
    public static void Validate(this SaeTrainingOptions o, int? inputDim = null)
    {
        Check(o.FeatureCount >= 0, $"SaeTrainingOptions.FeatureCount must be positive, or 0 to use SaeTrainingOptions.Expansion (got {o.FeatureCount}).");
        Check(o.FeatureCount > 0 || o.Expansion > 0, $"SaeTrainingOptions.Expansion must be positive when SaeTrainingOptions.FeatureCount is 0 (got {o.Expansion}).");
        Check(Enum.IsDefined(o.Architecture), $"SaeTrainingOptions.Architecture {(int)o.Architecture} is not an architecture.");
        MLSae.Runtime.TrainingDevice.Parse(o.Device);
        Check(Enum.IsDefined(o.Precision), $"SaeTrainingOptions.Precision {(int)o.Precision} is not a precision (Fp32 or Bf16).");
        Check(double.IsFinite(o.L1Coefficient) && o.L1Coefficient >= 0, $"SaeTrainingOptions.L1Coefficient must be a finite number >= 0 (got {F(o.L1Coefficient)}); a negative penalty rewards dense codes.");
        Check(double.IsFinite(o.AdaptiveL1Decay) && o.AdaptiveL1Decay is >= 0 and < 1, $"SaeTrainingOptions.AdaptiveL1Decay must be in [0, 1) (got {F(o.AdaptiveL1Decay)}).");
        Check(double.IsFinite(o.AuxKCoefficient) && o.AuxKCoefficient >= 0, $"SaeTrainingOptions.AuxKCoefficient must be a finite number >= 0 (got {F(o.AuxKCoefficient)}).");
        if (o.Architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK or SaeArchitecture.Matryoshka or SaeArchitecture.Ordered)
            Check(o.K > 0, $"SaeTrainingOptions.K must be positive (got {o.K}).");
        if (o.TargetL0 is { } target)
        {
            Check(double.IsFinite(target) && target > 0, $"SaeTrainingOptions.TargetL0 must be a positive number of features per token (got {F(target)}).");
            Check(o.Architecture is SaeArchitecture.Standard or SaeArchitecture.JumpReLU,
                $"SaeTrainingOptions.TargetL0 applies to standard and jumprelu SAEs; {o.Architecture} sets L0 with SaeTrainingOptions.K. Remove the target or set K.");
        }
        if (o.Architecture == SaeArchitecture.JumpReLU)
        {
            Check(double.IsFinite(o.JumpReluSparsityCoefficient) && o.JumpReluSparsityCoefficient >= 0, $"SaeTrainingOptions.JumpReluSparsityCoefficient must be a finite number >= 0 (got {F(o.JumpReluSparsityCoefficient)}).");
            Check(double.IsFinite(o.JumpReluBandwidth) && o.JumpReluBandwidth > 0, $"SaeTrainingOptions.JumpReluBandwidth must be positive (got {F(o.JumpReluBandwidth)}).");
            Check(double.IsFinite(o.JumpReluInitialThreshold) && o.JumpReluInitialThreshold >= 0, $"SaeTrainingOptions.JumpReluInitialThreshold must be a finite number >= 0 (got {F(o.JumpReluInitialThreshold)}).");
            Check(double.IsFinite(o.JumpReluThresholdLearningRateScale) && o.JumpReluThresholdLearningRateScale > 0, $"SaeTrainingOptions.JumpReluThresholdLearningRateScale must be positive (got {F(o.JumpReluThresholdLearningRateScale)}).");
        }
        Check(double.IsFinite(o.ThresholdDecay) && o.ThresholdDecay is >= 0 and <= 1, $"SaeTrainingOptions.ThresholdDecay must be in [0, 1] (got {F(o.ThresholdDecay)}).");
        Check(o.ThresholdStartStep >= 0, $"SaeTrainingOptions.ThresholdStartStep must be >= 0 (got {o.ThresholdStartStep}).");

        Check(double.IsFinite(o.LearningRate) && o.LearningRate > 0, $"SaeTrainingOptions.LearningRate must be a positive number (got {F(o.LearningRate)}).");
        Check(Enum.IsDefined(o.LearningRateSchedule), $"SaeTrainingOptions.LearningRateSchedule {(int)o.LearningRateSchedule} is not a schedule.");
        Check(o.WarmupSteps >= 0, $"SaeTrainingOptions.WarmupSteps must be >= 0 (got {o.WarmupSteps}).");
        Check(double.IsFinite(o.LearningRateFloor) && o.LearningRateFloor is >= 0 and <= 1, $"SaeTrainingOptions.LearningRateFloor must be in [0, 1] (got {F(o.LearningRateFloor)}).");
        Check(o.SparsityWarmupSteps >= 0, $"SaeTrainingOptions.SparsityWarmupSteps must be >= 0 (got {o.SparsityWarmupSteps}).");
        Check(o.Beta1 is >= 0 and < 1 && o.Beta2 is >= 0 and < 1, $"SaeTrainingOptions.Beta1 and Beta2 must be in [0, 1) (got {F(o.Beta1)}, {F(o.Beta2)}).");
        Check(double.IsFinite(o.AdamEpsilon) && o.AdamEpsilon > 0, $"SaeTrainingOptions.AdamEpsilon must be positive (got {F(o.AdamEpsilon)}).");
        Check(double.IsFinite(o.GradientClipNorm) && o.GradientClipNorm >= 0, $"SaeTrainingOptions.GradientClipNorm must be a finite number >= 0, 0 for no clipping (got {F(o.GradientClipNorm)}).");

        Check(o.BatchSize > 0, $"SaeTrainingOptions.BatchSize must be positive (got {o.BatchSize}).");
        Check(o.GradientAccumulation > 0, $"SaeTrainingOptions.GradientAccumulation must be at least 1 (got {o.GradientAccumulation}).");
        Check(o.Tokens >= 0, $"SaeTrainingOptions.Tokens must be positive, or 0 to use SaeTrainingOptions.Steps (got {o.Tokens}).");
        Check(o.Tokens > 0 || o.Steps > 0, $"SaeTrainingOptions.Steps must be positive (got {o.Steps}): train for at least one step.");
        Check(Enum.IsDefined(o.DecoderBiasInit), $"SaeTrainingOptions.DecoderBiasInit {(int)o.DecoderBiasInit} is not an initialisation.");
        Check(o.InitSampleRows > 0, $"SaeTrainingOptions.InitSampleRows must be positive (got {o.InitSampleRows}).");
        Check(o.ResampleEverySteps >= 0, $"SaeTrainingOptions.ResampleEverySteps must be >= 0, 0 for no resampling (got {o.ResampleEverySteps}).");
        Check(o.DeadFeatureTokens > 0, $"SaeTrainingOptions.DeadFeatureTokens must be positive (got {o.DeadFeatureTokens}).");
        Check(double.IsFinite(o.DenseFrequency) && o.DenseFrequency is > 0 and <= 1, $"SaeTrainingOptions.DenseFrequency must be in (0, 1] (got {F(o.DenseFrequency)}).");
        Check(o.LogEvery > 0, $"SaeTrainingOptions.LogEvery must be positive (got {o.LogEvery}).");
        Check(o.CheckpointEvery >= 0, $"SaeTrainingOptions.CheckpointEvery must be >= 0, 0 for only at the end (got {o.CheckpointEvery}).");
        if (o.Architecture == SaeArchitecture.Matryoshka) CheckMatryoshka(o);

        if (inputDim is not { } d) return;
        Check(d > 0, $"The activations have width d = {d}; it must be positive.");
        long m = o.FeatureCount > 0 ? o.FeatureCount : (long)o.Expansion * d;
        Check(m <= int.MaxValue, $"SaeTrainingOptions.Expansion {o.Expansion} x d {d} = {m} features is too many; use a smaller expansion or set SaeTrainingOptions.FeatureCount.");
        if (o.Architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK or SaeArchitecture.Matryoshka or SaeArchitecture.Ordered)
            Check(o.K <= m, $"SaeTrainingOptions.K = {o.K} exceeds the number of features m = {m}; choose k <= m or a larger SaeTrainingOptions.FeatureCount.");
        if (o.TargetL0 is { } t)
            Check(t <= m, $"SaeTrainingOptions.TargetL0 = {F(t)} exceeds the number of features m = {m}; choose a target L0 of at most m (typically 16-128).");
    }

    static void CheckMatryoshka(SaeTrainingOptions o)
    {
        if (o.MatryoshkaPrefixFractions is { } f)
        {
            Check(f.Length > 0, "SaeTrainingOptions.MatryoshkaPrefixFractions is empty; leave it out for the default prefixes.");
            for (int i = 0; i < f.Length; i++)
                Check(double.IsFinite(f[i]) && f[i] > 0 && f[i] <= 1 && (i == 0 || f[i] > f[i - 1]),
                    $"SaeTrainingOptions.MatryoshkaPrefixFractions must increase within (0, 1] (got [{string.Join(", ", f.Select(F))}]).");
            Check(f[^1] == 1, $"SaeTrainingOptions.MatryoshkaPrefixFractions must end at 1, the whole dictionary (got [{string.Join(", ", f.Select(F))}]).");
        }
        if (o.MatryoshkaWeights is { } w)
        {
            int expected = o.MatryoshkaPrefixFractions?.Length ?? 5;   // the default prefixes: 1/16, 1/8, 1/4, 1/2, 1
            Check(w.Length == expected, $"SaeTrainingOptions.MatryoshkaWeights has {w.Length} weights for {expected} prefixes.");
            Check(w.All(x => double.IsFinite(x) && x >= 0), $"SaeTrainingOptions.MatryoshkaWeights must be finite and >= 0 (got [{string.Join(", ", w.Select(F))}]).");
        }
    }

    static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);

    static void Check(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}
