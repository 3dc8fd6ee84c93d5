namespace MLSae.Evaluation.Absorption;

/// <summary>Defaults for <see cref="AbsorptionEvaluatorOptions"/>.</summary>
public static class AbsorptionEvaluatorDefaults
{
    /// <summary>SAEBench's template; the answer " W" (capital first letter) follows it in the examples.</summary>
    public const string PromptTemplate = "{word} has the first letter:";
    /// <summary>In-context examples before the query word (SAEBench: 10).</summary>
    public const int IclExamples = 10;
    /// <summary>Words shorter than this are left out (single letters would make the task trivial).</summary>
    public const int MinWordLength = 2;
    /// <summary>At most this many words (a seeded sample of the vocabulary's words); 0 = all. Bounds time and memory.</summary>
    public const int MaxWords = 5000;
    /// <summary>Share of the words used for training the probes (SAEBench: 0.8).</summary>
    public const double TrainFraction = 0.8;
    /// <summary>Seed of the word sample, the split and the example choice (SAEBench: 42).</summary>
    public const int Seed = 42;
    /// <summary>Prompts per model run.</summary>
    public const int BatchSize = 32;
    /// <summary>L2 penalty of the letter probe on standardised activations (sum-form objective).</summary>
    public const double ProbeL2 = 1.0;
    /// <summary>The letters evaluated.</summary>
    public const string Letters = "abcdefghijklmnopqrstuvwxyz";
}

/// <summary>How <see cref="AbsorptionEvaluator"/> builds the first-letter task.</summary>
public sealed record AbsorptionEvaluatorOptions
{
    /// <summary>Options with every default applied.</summary>
    public AbsorptionEvaluatorOptions() { }

    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.PromptTemplate"/>; must contain <c>{word}</c> once.</summary>
    public string PromptTemplate { get; init; } = AbsorptionEvaluatorDefaults.PromptTemplate;
    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.IclExamples"/>.</summary>
    public int IclExamples { get; init; } = AbsorptionEvaluatorDefaults.IclExamples;
    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.MinWordLength"/>.</summary>
    public int MinWordLength { get; init; } = AbsorptionEvaluatorDefaults.MinWordLength;
    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.MaxWords"/>.</summary>
    public int MaxWords { get; init; } = AbsorptionEvaluatorDefaults.MaxWords;
    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.TrainFraction"/>.</summary>
    public double TrainFraction { get; init; } = AbsorptionEvaluatorDefaults.TrainFraction;
    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.Seed"/>.</summary>
    public int Seed { get; init; } = AbsorptionEvaluatorDefaults.Seed;
    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.BatchSize"/>.</summary>
    public int BatchSize { get; init; } = AbsorptionEvaluatorDefaults.BatchSize;
    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.ProbeL2"/>.</summary>
    public double ProbeL2 { get; init; } = AbsorptionEvaluatorDefaults.ProbeL2;
    /// <summary>See <see cref="AbsorptionEvaluatorDefaults.Letters"/>; a subset of a-z.</summary>
    public string Letters { get; init; } = AbsorptionEvaluatorDefaults.Letters;
    /// <summary>Thresholds of the scoring and the main-latent search.</summary>
    public AbsorptionOptions Scoring { get; init; } = new();

    internal AbsorptionEvaluatorOptions Validated()
    {
        var o = this;
        FirstLetterPrompt.CheckTemplate(o.PromptTemplate);
        if (o.IclExamples < 0) throw new ArgumentOutOfRangeException(nameof(IclExamples), o.IclExamples, "In-context examples must be 0 or more.");
        if (o.MaxWords < 0) throw new ArgumentOutOfRangeException(nameof(MaxWords), o.MaxWords, "Max words must be 0 (all) or positive.");
        if (o.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), o.BatchSize, "Batch size must be at least 1.");
        if (!(o.TrainFraction > 0 && o.TrainFraction < 1)) throw new ArgumentOutOfRangeException(nameof(TrainFraction), o.TrainFraction, "The train fraction must be in (0, 1).");
        if (string.IsNullOrEmpty(o.Letters) || o.Letters.Any(c => c < 'a' || c > 'z'))
            throw new ArgumentException($"Letters '{o.Letters}' must be a non-empty set of a-z.", nameof(Letters));
        return o;
    }
}
