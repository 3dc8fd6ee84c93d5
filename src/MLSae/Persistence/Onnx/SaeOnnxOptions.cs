namespace MLSae.Persistence.Onnx;

/// <summary>Which half of the SAE an exported ONNX graph computes.</summary>
public enum SaeGraphKind
{
    /// <summary>Activation -&gt; Features.</summary>
    Encode,
    /// <summary>Features -&gt; Reconstruction.</summary>
    Decode,
    /// <summary>Activation -&gt; Features and Reconstruction.</summary>
    EncodeDecode,
}

/// <summary>How <see cref="SaeOnnx.Export"/> lays out the graph.</summary>
public sealed record SaeOnnxOptions
{
    /// <summary>Creates options with the defaults in <see cref="SaeOnnxDefaults"/>.</summary>
    public SaeOnnxOptions() { }

    /// <summary>What the graph computes.</summary>
    public SaeGraphKind Kind { get; init; } = SaeOnnxDefaults.Kind;
    /// <summary>
    /// True: tensors are [batch, width] with a symbolic "batch" dimension (bulk scoring).
    /// False: tensors are rank 1 [width], one row per run, which ML.NET's OnnxTransformer maps to
    /// plain vector columns of d and m floats.
    /// </summary>
    public bool Batched { get; init; } = SaeOnnxDefaults.Batched;
    /// <summary>Name of the activation input (and of the ML.NET column it reads).</summary>
    public string InputName { get; init; } = SaeOnnxDefaults.InputName;
    /// <summary>Name of the feature output (the decoder's input for <see cref="SaeGraphKind.Decode"/>).</summary>
    public string FeaturesName { get; init; } = SaeOnnxDefaults.FeaturesName;
    /// <summary>Name of the reconstruction output.</summary>
    public string ReconstructionName { get; init; } = SaeOnnxDefaults.ReconstructionName;
}

/// <summary>Default values of <see cref="SaeOnnxOptions"/>.</summary>
public static class SaeOnnxDefaults
{
    /// <summary>Encode and decode.</summary>
    public const SaeGraphKind Kind = SaeGraphKind.EncodeDecode;
    /// <summary>Batched with a symbolic batch dimension.</summary>
    public const bool Batched = true;
    /// <summary>"Activation".</summary>
    public const string InputName = "Activation";
    /// <summary>"Features".</summary>
    public const string FeaturesName = "Features";
    /// <summary>"Reconstruction".</summary>
    public const string ReconstructionName = "Reconstruction";
    /// <summary>The symbolic batch dimension's name.</summary>
    public const string BatchDimension = "batch";
}
