namespace MLSae.Evaluation.Probing;

/// <summary>Test accuracies of one binary probing task.</summary>
public sealed record ProbeTaskResult
{
    /// <summary>Task name, e.g. "news vs rest".</summary>
    public required string Name { get; init; }
    /// <summary>Texts per class in the training split (balanced).</summary>
    public int TrainPerClass { get; init; }
    /// <summary>Texts per class in the test split (balanced).</summary>
    public int TestPerClass { get; init; }
    /// <summary>Accuracy of the probe on all raw activation dimensions.</summary>
    public double LlmTestAccuracy { get; init; }
    /// <summary>Accuracy of the probe on all SAE latents; NaN when m exceeds the full-probe width.</summary>
    public double SaeTestAccuracy { get; init; }
    /// <summary>k to accuracy of the probe on the top-k raw dimensions.</summary>
    public IReadOnlyDictionary<int, double> LlmTopK { get; init; } = new Dictionary<int, double>();
    /// <summary>k to accuracy of the probe on the top-k SAE latents.</summary>
    public IReadOnlyDictionary<int, double> SaeTopK { get; init; } = new Dictionary<int, double>();
    /// <summary>k to the latents chosen for that k (SAE indices, best first).</summary>
    public IReadOnlyDictionary<int, int[]> SaeTopKLatents { get; init; } = new Dictionary<int, int[]>();
}

/// <summary>Sparse probing over every task, with means across tasks (what eval.json reports).</summary>
public sealed record SparseProbingResult
{
    /// <summary>Per-task results.</summary>
    public IReadOnlyList<ProbeTaskResult> Tasks { get; init; } = [];
    /// <summary>Mean over tasks of <see cref="ProbeTaskResult.LlmTestAccuracy"/>.</summary>
    public double LlmTestAccuracy { get; init; }
    /// <summary>Mean over tasks of <see cref="ProbeTaskResult.SaeTestAccuracy"/>.</summary>
    public double SaeTestAccuracy { get; init; }
    /// <summary>k to the mean over tasks of the top-k raw probe accuracy.</summary>
    public IReadOnlyDictionary<int, double> LlmTopK { get; init; } = new Dictionary<int, double>();
    /// <summary>k to the mean over tasks of the top-k SAE probe accuracy.</summary>
    public IReadOnlyDictionary<int, double> SaeTopK { get; init; } = new Dictionary<int, double>();
    /// <summary>The options used.</summary>
    public SparseProbingOptions Options { get; init; } = new();
}
