namespace MLSae.Transforms;

/// <summary>Column names and device for <see cref="SaeTransformer"/> and <see cref="SaeEstimator"/>.</summary>
public sealed record SaeTransformerOptions
{
    /// <summary>Creates options with the defaults in <see cref="SaeTransformerDefaults"/>.</summary>
    public SaeTransformerOptions() { }

    /// <summary>The SAE code column: a vector of m floats.</summary>
    public string OutputColumnName { get; init; } = SaeTransformerDefaults.OutputColumnName;
    /// <summary>The activation column read: a vector of d floats.</summary>
    public string InputColumnName { get; init; } = SaeTransformerDefaults.InputColumnName;
    /// <summary>The reconstruction column: a vector of d floats.</summary>
    public string ReconstructionColumnName { get; init; } = SaeTransformerDefaults.ReconstructionColumnName;
    /// <summary>GPU for ML.NET's OnnxTransformer; null runs on CPU.</summary>
    public int? GpuDeviceId { get; init; }
    /// <summary>Fall back to CPU when the GPU cannot be used.</summary>
    public bool FallbackToCpu { get; init; } = SaeTransformerDefaults.FallbackToCpu;
}

/// <summary>Default values of <see cref="SaeTransformerOptions"/>.</summary>
public static class SaeTransformerDefaults
{
    /// <summary>"Features".</summary>
    public const string OutputColumnName = "Features";
    /// <summary>"Activation".</summary>
    public const string InputColumnName = "Activation";
    /// <summary>"Reconstruction".</summary>
    public const string ReconstructionColumnName = "Reconstruction";
    /// <summary>Fall back to CPU.</summary>
    public const bool FallbackToCpu = true;
}
