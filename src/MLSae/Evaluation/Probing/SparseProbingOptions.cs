namespace MLSae.Evaluation.Probing;

/// <summary>Defaults for <see cref="SparseProbingOptions"/>.</summary>
public static class SparseProbingDefaults
{
    /// <summary>Fraction of each (balanced) class held out for testing.</summary>
    public const double TestFraction = 0.2;
    /// <summary>Seed of the class balancing and the train/test split.</summary>
    public const int Seed = 42;
    /// <summary>L2 penalty on the probe weights (features are standardised first); sklearn's C=1.</summary>
    public const double L2 = 1.0;
    /// <summary>Classes with fewer texts are not probed one-vs-rest.</summary>
    public const int MinExamplesPerClass = 20;
    /// <summary>At most this many texts per class (after balancing) enter a task.</summary>
    public const int MaxExamplesPerClass = 2000;
    /// <summary>A full-width probe (all features) is fitted only up to this many features (dense Newton).</summary>
    public const int MaxFullProbeWidth = 512;
}

/// <summary>Options of sparse probing.</summary>
public sealed record SparseProbingOptions
{
    /// <summary>Options with every default applied.</summary>
    public SparseProbingOptions() { }

    /// <summary>The k values probed (SAEBench: 1, 2, 5, 10, 20, 50).</summary>
    public int[] KValues { get; init; } = [1, 2, 5, 10, 20, 50];
    /// <summary>Fraction of each class held out for testing.</summary>
    public double TestFraction { get; init; } = SparseProbingDefaults.TestFraction;
    /// <summary>Seed of balancing and splitting.</summary>
    public int Seed { get; init; } = SparseProbingDefaults.Seed;
    /// <summary>L2 penalty of the logistic regression.</summary>
    public double L2 { get; init; } = SparseProbingDefaults.L2;
    /// <summary>One task "PositiveClass vs the rest" when set; one-vs-rest per class otherwise.</summary>
    public string? PositiveClass { get; init; }
    /// <summary>Minimum texts a class needs to become a one-vs-rest task.</summary>
    public int MinExamplesPerClass { get; init; } = SparseProbingDefaults.MinExamplesPerClass;
    /// <summary>Maximum texts per class per task after balancing.</summary>
    public int MaxExamplesPerClass { get; init; } = SparseProbingDefaults.MaxExamplesPerClass;
    /// <summary>Widest input for which the all-features probe is fitted.</summary>
    public int MaxFullProbeWidth { get; init; } = SparseProbingDefaults.MaxFullProbeWidth;

    internal void Validate()
    {
        if (!(TestFraction > 0 && TestFraction < 1)) throw new ArgumentOutOfRangeException(nameof(TestFraction), TestFraction, "Use a test fraction in (0, 1).");
        if (!(L2 > 0)) throw new ArgumentOutOfRangeException(nameof(L2), L2, "The L2 penalty must be positive.");
        if (KValues is null || KValues.Length == 0 || KValues.Any(k => k <= 0)) throw new ArgumentException("KValues must list positive k values.", nameof(KValues));
        if (MinExamplesPerClass < 2) throw new ArgumentOutOfRangeException(nameof(MinExamplesPerClass), MinExamplesPerClass, "A class needs at least 2 texts (one to train, one to test).");
    }
}
