namespace MLSae.Evaluation.Concepts;

/// <summary>Defaults shared by SCR and TPP (SAEBench's ScrAndTppEvalConfig).</summary>
public static class ConceptEvalDefaults
{
    /// <summary>SAEBench's n_values: how many latents are ablated.</summary>
    public static readonly int[] NValues = [2, 5, 10, 20, 50, 100, 500];
    /// <summary>SAEBench's train_set_size.</summary>
    public const int TrainSetSize = 4000;
    /// <summary>SAEBench's test_set_size.</summary>
    public const int TestSetSize = 1000;
    /// <summary>SAEBench's random_seed.</summary>
    public const int Seed = 42;
    /// <summary>L2 penalty of the logistic probes on standardised activations (sklearn's C = 1).</summary>
    public const double L2 = 1.0;
    /// <summary>SAEBench: a direction whose oracle beats the biased probe by less than this scores 0.</summary>
    public const double MinAccuracyGap = 0.001;

    /// <summary>
    /// The n values in force: <paramref name="requested"/> checked against m (an n above m is an error naming it),
    /// or, when null, the defaults that do not exceed m.
    /// </summary>
    public static int[] Resolve(int[]? requested, int featureCount, string property)
    {
        if (requested is null) return [.. NValues.Where(n => n <= featureCount)];
        if (requested.Length == 0) throw new ArgumentException($"{property} is empty; list at least one n.", property);
        foreach (var n in requested)
        {
            if (n <= 0) throw new ArgumentOutOfRangeException(property, n, $"{property}: n = {n} must be positive.");
            if (n > featureCount) throw new ArgumentOutOfRangeException(property, n, $"{property}: n = {n} exceeds the SAE's m = {featureCount} latents.");
        }
        return [.. requested.Distinct().Order()];
    }
}

/// <summary>Options of spurious correlation removal (<see cref="ScrEvaluator"/>).</summary>
public sealed record ScrOptions
{
    /// <summary>Latents ablated per measurement; null: SAEBench's {2, 5, 10, 20, 50, 100, 500} up to m.</summary>
    public int[]? NValues { get; init; }
    /// <summary>Texts per training set (each quadrant of the two attributes gives a quarter; the biased set takes half from each correlated quadrant).</summary>
    public int TrainSetSize { get; init; } = ConceptEvalDefaults.TrainSetSize;
    /// <summary>Texts per test set, split the same way.</summary>
    public int TestSetSize { get; init; } = ConceptEvalDefaults.TestSetSize;
    /// <summary>Seed of the shuffles.</summary>
    public int Seed { get; init; } = ConceptEvalDefaults.Seed;
    /// <summary>L2 penalty of the probes.</summary>
    public double L2 { get; init; } = ConceptEvalDefaults.L2;
    /// <summary>Positive value of the first label column (A); null: the ordinally first of its two values.</summary>
    public string? PositiveA { get; init; }
    /// <summary>Positive value of the second label column (B); null: the ordinally first of its two values.</summary>
    public string? PositiveB { get; init; }

    internal ScrOptions Validated()
    {
        var o = this;
        if (o.TrainSetSize < 8) throw new ArgumentOutOfRangeException(nameof(TrainSetSize), o.TrainSetSize, "ScrOptions.TrainSetSize must be at least 8 (two texts per quadrant).");
        if (o.TestSetSize < 4) throw new ArgumentOutOfRangeException(nameof(TestSetSize), o.TestSetSize, "ScrOptions.TestSetSize must be at least 4 (one text per quadrant).");
        if (!(o.L2 > 0)) throw new ArgumentOutOfRangeException(nameof(L2), o.L2, "ScrOptions.L2 must be positive.");
        return o;
    }
}

/// <summary>Options of targeted probe perturbation (<see cref="TppEvaluator"/>).</summary>
public sealed record TppOptions
{
    /// <summary>Latents ablated per measurement; null: SAEBench's {2, 5, 10, 20, 50, 100, 500} up to m.</summary>
    public int[]? NValues { get; init; }
    /// <summary>Training texts per class probe: half from the class, half sampled from the other classes.</summary>
    public int TrainSetSize { get; init; } = ConceptEvalDefaults.TrainSetSize;
    /// <summary>Test texts per class probe, split the same way.</summary>
    public int TestSetSize { get; init; } = ConceptEvalDefaults.TestSetSize;
    /// <summary>The classes probed (at least 2); null: every value of the label column.</summary>
    public string[]? Classes { get; init; }
    /// <summary>Seed of the shuffles and negative samples.</summary>
    public int Seed { get; init; } = ConceptEvalDefaults.Seed;
    /// <summary>L2 penalty of the probes.</summary>
    public double L2 { get; init; } = ConceptEvalDefaults.L2;

    internal TppOptions Validated()
    {
        var o = this;
        if (o.TrainSetSize < 4) throw new ArgumentOutOfRangeException(nameof(TrainSetSize), o.TrainSetSize, "TppOptions.TrainSetSize must be at least 4.");
        if (o.TestSetSize < 2) throw new ArgumentOutOfRangeException(nameof(TestSetSize), o.TestSetSize, "TppOptions.TestSetSize must be at least 2.");
        if (!(o.L2 > 0)) throw new ArgumentOutOfRangeException(nameof(L2), o.L2, "TppOptions.L2 must be positive.");
        if (o.Classes is { Length: < 2 }) throw new ArgumentException("TppOptions.Classes must name at least 2 classes.", nameof(Classes));
        return o;
    }
}
