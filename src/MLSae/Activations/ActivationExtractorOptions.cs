namespace MLSae.Activations;

/// <summary>Settings of <see cref="ActivationExtractorEstimator"/>.</summary>
public sealed record ActivationExtractorOptions
{
    /// <summary>Creates options with the defaults in <see cref="ActivationExtractorDefaults"/>.</summary>
    public ActivationExtractorOptions() { }

    /// <summary>Output column: a variable-length float vector [tokens x d] per document (row-major).</summary>
    public string OutputColumnName { get; init; } = ActivationExtractorDefaults.OutputColumnName;
    /// <summary>Text column to read.</summary>
    public string InputColumnName { get; init; } = ActivationExtractorDefaults.InputColumnName;
    /// <summary>Model spec for <see cref="ModelSources.Resolve"/>.</summary>
    public string Model { get; init; } = ActivationExtractorDefaults.Model;
    /// <summary>Tokenizer file for onnx: models; null to look beside the model.</summary>
    public string? TokenizerPath { get; init; }
    /// <summary>Hook to read.</summary>
    public string Hook { get; init; } = ActivationExtractorDefaults.Hook;
    /// <summary>Extraction settings (context length, batch, special tokens, ORT).</summary>
    public ExtractionOptions Extraction { get; init; } = new();
}

/// <summary>Default values of <see cref="ActivationExtractorOptions"/>.</summary>
public static class ActivationExtractorDefaults
{
    /// <summary>Output column.</summary>
    public const string OutputColumnName = "Activations";
    /// <summary>Input column.</summary>
    public const string InputColumnName = "Text";
    /// <summary>The built-in model.</summary>
    public const string Model = MiniLmResources.Name;
    /// <summary>The middle of MiniLM's residual stream.</summary>
    public const string Hook = "blocks.3.hook_resid_pre";
    /// <summary>Suffix of the token-count column (int32).</summary>
    public const string TokenCountSuffix = "TokenCount";
    /// <summary>Suffix of the token-id column (variable-length int32 vector).</summary>
    public const string TokenIdsSuffix = "TokenIds";
}
