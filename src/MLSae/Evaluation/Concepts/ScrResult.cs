namespace MLSae.Evaluation.Concepts;

/// <summary>One SCR direction: ablate latents chosen by one attribute's probe, measure the biased probe on the other attribute.</summary>
public sealed record ScrDirection
{
    /// <summary>1: ablate B's latents, measure A (SAEBench: ablate gender, measure profession). 2: the reverse.</summary>
    public int Number { get; init; }
    /// <summary>Column whose probe chose the ablated latents.</summary>
    public required string AblatedColumn { get; init; }
    /// <summary>Column whose balanced test data the biased probe is measured on.</summary>
    public required string MeasuredColumn { get; init; }
    /// <summary>Biased probe's accuracy on the measured column's test data, nothing ablated.</summary>
    public double OriginalAccuracy { get; init; }
    /// <summary>The measured column's own (oracle) probe on its test data.</summary>
    public double OracleAccuracy { get; init; }
    /// <summary>n to the biased probe's accuracy with n latents ablated.</summary>
    public IReadOnlyDictionary<int, double> AblatedAccuracy { get; init; } = new Dictionary<int, double>();
    /// <summary>n to (ablated - original) / (oracle - original); 0 when oracle - original &lt; 0.001.</summary>
    public IReadOnlyDictionary<int, double> Scores { get; init; } = new Dictionary<int, double>();
    /// <summary>n to the ablated latents, largest effect first.</summary>
    public IReadOnlyDictionary<int, int[]> Latents { get; init; } = new Dictionary<int, int[]>();
}

/// <summary>Spurious correlation removal, both directions and SAEBench's headline metric.</summary>
public sealed record ScrResult
{
    /// <summary>Attribute A (SAEBench's column1, e.g. profession).</summary>
    public required string ColumnA { get; init; }
    /// <summary>Attribute B (SAEBench's column2, e.g. gender).</summary>
    public required string ColumnB { get; init; }
    /// <summary>(positive, negative) values of A.</summary>
    public required (string Positive, string Negative) ValuesA { get; init; }
    /// <summary>(positive, negative) values of B.</summary>
    public required (string Positive, string Negative) ValuesB { get; init; }
    /// <summary>Direction 1 (ablate B, measure A).</summary>
    public required ScrDirection Dir1 { get; init; }
    /// <summary>Direction 2 (ablate A, measure B).</summary>
    public required ScrDirection Dir2 { get; init; }
    /// <summary>
    /// 1 or 2: the direction whose measured attribute the biased probe predicts worse (it leans on the other one),
    /// as scr_metric_threshold_N takes it; 0 when both accuracies are equal (SAEBench then writes no metric).
    /// </summary>
    public int MetricDirection { get; init; }
    /// <summary>n to scr_metric_threshold_n (NaN when <see cref="MetricDirection"/> is 0).</summary>
    public IReadOnlyDictionary<int, double> Metric => (MetricDirection switch { 1 => Dir1, 2 => Dir2, _ => null })?.Scores
        ?? Dir1.Scores.ToDictionary(kv => kv.Key, _ => double.NaN);
    /// <summary>Texts per quadrant in training and test.</summary>
    public int TrainPerQuadrant { get; init; }
    /// <summary>Texts per quadrant in the test split.</summary>
    public int TestPerQuadrant { get; init; }
    /// <summary>The options in force (NValues resolved).</summary>
    public required ScrOptions Options { get; init; }
}
