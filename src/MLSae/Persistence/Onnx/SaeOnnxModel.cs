using MLSae.Models;

namespace MLSae.Persistence.Onnx;

/// <summary>
/// The typed view of an MLSae SAE graph recovered from its metadata and initializers
/// (see <see cref="SaeOnnx.Read(byte[], string?)"/>).
/// </summary>
public sealed record SaeOnnxModel
{
    /// <summary>What the graph computes.</summary>
    public required SaeGraphKind Kind { get; init; }
    /// <summary>True when tensors have a batch dimension.</summary>
    public required bool Batched { get; init; }
    /// <summary>How the SAE was trained.</summary>
    public required SaeArchitecture Architecture { get; init; }
    /// <summary>Inference activation.</summary>
    public required SaeActivation Activation { get; init; }
    /// <summary>d.</summary>
    public required int InputDim { get; init; }
    /// <summary>m.</summary>
    public required int FeatureCount { get; init; }
    /// <summary>k for TopK, else 0.</summary>
    public required int K { get; init; }
    /// <summary>Graph input name.</summary>
    public required string InputName { get; init; }
    /// <summary>Features tensor name.</summary>
    public required string FeaturesName { get; init; }
    /// <summary>Reconstruction tensor name.</summary>
    public required string ReconstructionName { get; init; }
    /// <summary>Provenance, frequencies and permutation log.</summary>
    public required SaeInfo Info { get; init; }
    /// <summary>
    /// The full weights (with <see cref="Info"/>) when the graph holds both encoder and decoder
    /// (<see cref="SaeGraphKind.EncodeDecode"/>); null for encode-only or decode-only graphs.
    /// </summary>
    public SaeWeights? Weights { get; init; }
}
