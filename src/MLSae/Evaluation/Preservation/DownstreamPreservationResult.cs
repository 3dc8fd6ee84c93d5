namespace MLSae.Evaluation.Preservation;

/// <summary>What one downstream-preservation run measured, and how.</summary>
public sealed record DownstreamPreservationResult
{
    /// <summary>Which measure was computed.</summary>
    public DownstreamModelKind Kind { get; init; }
    /// <summary>KL / CE metrics (causal LMs); null for encoders.</summary>
    public PreservationMetrics? LanguageModel { get; init; }
    /// <summary>Sentence-embedding metrics (encoders); null for causal LMs.</summary>
    public EmbeddingPreservationMetrics? Embedding { get; init; }
    /// <summary>Text tokens evaluated (positions whose activation the SAE replaced).</summary>
    public long Tokens { get; init; }
    /// <summary>Contexts run.</summary>
    public long Contexts { get; init; }
    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "";
    /// <summary>The hook spliced.</summary>
    public string HookName { get; init; } = "";
    /// <summary>The ONNX tensor the hook resolved to.</summary>
    public string HookTensor { get; init; } = "";
    /// <summary>The graph output compared.</summary>
    public string OutputName { get; init; } = "";
    /// <summary>The options used.</summary>
    public DownstreamPreservationOptions Options { get; init; } = new();
    /// <summary>Wall time of the run (the three forward passes and the comparison).</summary>
    public TimeSpan Elapsed { get; init; }
    /// <summary>"CPU" or "CUDA".</summary>
    public string Provider { get; init; } = "CPU";
}
