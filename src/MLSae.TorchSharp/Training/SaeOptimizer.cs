using MLSae.Models;
using TorchSharp.Modules;

namespace MLSae.Training;

/// <summary>
/// Adam over an SAE's parameters. JumpReLU's log thresholds form a second parameter group whose learning rate is
/// <see cref="SaeTrainingOptions.JumpReluThresholdLearningRateScale"/> times the schedule's.
/// </summary>
static class SaeOptimizer
{
    public static Adam Create(SaeModule module, SaeTrainingOptions o)
    {
        if (module is not JumpReluSae jumpRelu)
            return new Adam(module.parameters(), o.LearningRate, o.Beta1, o.Beta2, o.AdamEpsilon);
        var all = module.parameters().ToList();
        // Checkpoints and the resampler pair optimizer states with parameters() by position, so the groups must keep
        // that order: log_threshold is registered last.
        if (!ReferenceEquals(all[^1], jumpRelu.LogThreshold))
            throw new InvalidOperationException("JumpReluSae must register log_threshold as its last parameter.");
        var weights = new Adam.ParamGroup(all.Take(all.Count - 1), o.LearningRate, o.Beta1, o.Beta2, o.AdamEpsilon);
        var thresholds = new Adam.ParamGroup([jumpRelu.LogThreshold], o.LearningRate * o.JumpReluThresholdLearningRateScale, o.Beta1, o.Beta2, o.AdamEpsilon);
        return new Adam([weights, thresholds], o.LearningRate, o.Beta1, o.Beta2, o.AdamEpsilon);
    }

    /// <summary>Sets the step's learning rate: the weights' group gets <paramref name="learningRate"/>, JumpReLU thresholds their multiple.</summary>
    public static void SetLearningRate(Adam optimizer, double learningRate, SaeTrainingOptions o)
    {
        int group = 0;
        foreach (var g in optimizer.ParamGroups)
            g.LearningRate = group++ == 0 ? learningRate : learningRate * o.JumpReluThresholdLearningRateScale;
    }
}
