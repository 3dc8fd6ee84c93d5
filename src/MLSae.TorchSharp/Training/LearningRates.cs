namespace MLSae.Training;

/// <summary>Learning-rate and sparsity-coefficient schedules as pure functions of the step (so resume needs no scheduler state).</summary>
public static class LearningRates
{
    /// <summary>Learning rate at 1-based <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public static double At(SaeTrainingOptions o, long step, long totalSteps)
    {
        double peak = o.LearningRate;
        if (o.WarmupSteps > 0 && step <= o.WarmupSteps) return peak * step / o.WarmupSteps;
        double floor = peak * o.LearningRateFloor;
        long decaySteps = totalSteps - o.WarmupSteps;
        double t = decaySteps <= 0 ? 1 : Math.Clamp((double)(step - o.WarmupSteps) / decaySteps, 0, 1);
        return o.LearningRateSchedule switch
        {
            LearningRateSchedule.Cosine => floor + (peak - floor) * 0.5 * (1 + Math.Cos(Math.PI * t)),
            LearningRateSchedule.Linear => peak + (floor - peak) * t,
            _ => peak,
        };
    }

    /// <summary>Sparsity warm-up scale in [0, 1] at <paramref name="step"/>.</summary>
    public static double SparsityScale(SaeTrainingOptions o, long step) =>
        o.SparsityWarmupSteps > 0 ? Math.Min(1.0, (double)step / o.SparsityWarmupSteps) : 1.0;
}
