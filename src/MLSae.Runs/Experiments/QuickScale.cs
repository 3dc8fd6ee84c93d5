using MLSae.Runs;

namespace MLSae.Runs.Experiments;

/// <summary>Defaults of <see cref="QuickScale"/>.</summary>
public static class QuickScaleDefaults
{
    /// <summary>Step counts (steps, warm-ups, reorder warm-ups and intervals, logging and checkpoint intervals) are divided by this.</summary>
    public const int StepFactor = 40;
    /// <summary>Token counts (batch size, extracted tokens, evaluated rows, init sample) are divided by this.</summary>
    public const int TokenFactor = 16;
}

/// <summary>
/// How `mlsae experiment --quick` shrinks an experiment: every step count is divided by
/// <see cref="StepFactor"/> and every token count by <see cref="TokenFactor"/> (rounded, at least 1; 0 stays 0),
/// so the schedule keeps its shape (a reorder after 1000 of 10,000 steps becomes one after 25 of 250).
/// Quantities measured in tokens over time (training tokens, dead-feature window) are divided by both.
/// </summary>
public sealed record QuickScale
{
    /// <summary>Defaults from <see cref="QuickScaleDefaults"/>.</summary>
    public QuickScale() { }

    /// <summary>Divisor of step counts.</summary>
    public int StepFactor { get; init; } = QuickScaleDefaults.StepFactor;
    /// <summary>Divisor of token counts.</summary>
    public int TokenFactor { get; init; } = QuickScaleDefaults.TokenFactor;

    /// <summary><paramref name="experiment"/> scaled down (idempotent: an already quick experiment is returned as is).</summary>
    public ExperimentDefinition Apply(ExperimentDefinition experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (experiment.IsQuick) return experiment;
        if (StepFactor < 1 || TokenFactor < 1)
            throw new ArgumentOutOfRangeException(nameof(StepFactor), $"Quick factors must be at least 1 (got steps {StepFactor}, tokens {TokenFactor}).");
        var s = experiment.Source;
        var self = this;
        return experiment with
        {
            IsQuick = true,
            Source = s with { MaxTokens = Tokens(s.MaxTokens) },
            Runs = experiment.Runs.Select(r => r with { Train = self.Apply(r.Train), Eval = self.Apply(r.Eval) }).ToList(),
            Plots = experiment.Plots with
            {
                Steps = experiment.Plots.Steps.Select(self.Steps).Distinct().ToList(),
                HistorySteps = experiment.Plots.HistorySteps.Select(self.Steps).Distinct().ToList(),
            },
        };
    }

    /// <summary>One run's training config scaled down.</summary>
    public TrainRunConfig Apply(TrainRunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var t = config.Training;
        var o = config.Ordering;
        return new TrainRunConfig(
            t with
            {
                Steps = Steps(t.Steps),
                Tokens = Divide(t.Tokens, (long)StepFactor * TokenFactor),
                WarmupSteps = Steps(t.WarmupSteps),
                SparsityWarmupSteps = Steps(t.SparsityWarmupSteps),
                ThresholdStartStep = Steps(t.ThresholdStartStep),
                ResampleEverySteps = Steps(t.ResampleEverySteps),
                LogEvery = (int)Steps(t.LogEvery),
                CheckpointEvery = (int)Steps(t.CheckpointEvery),
                BatchSize = (int)Tokens(t.BatchSize),
                InitSampleRows = (int)Tokens(t.InitSampleRows),
                DeadFeatureTokens = Divide(t.DeadFeatureTokens, (long)StepFactor * TokenFactor),
            },
            o with
            {
                Warmup = Steps(o.Warmup),
                Interval = Steps(o.Interval),
                HistoryInterval = Steps(o.HistoryInterval),
            });
    }

    /// <summary>Evaluation options scaled down (row counts).</summary>
    public ExperimentEvalOptions Apply(ExperimentEvalOptions eval) =>
        eval with { MaxTokens = Tokens(eval.MaxTokens), PrefixRows = Tokens(eval.PrefixRows) };

    /// <summary>A step count divided by <see cref="StepFactor"/>.</summary>
    public long Steps(long steps) => Divide(steps, StepFactor);

    /// <summary>A token count divided by <see cref="TokenFactor"/>.</summary>
    public long Tokens(long tokens) => Divide(tokens, TokenFactor);

    /// <summary>Rounded to nearest, at least 1; zero (meaning "off" or "all") and negatives stay as they are.</summary>
    static long Divide(long value, long factor) => value <= 0 ? value : Math.Max(1, (value + factor / 2) / factor);
}
