using MLSae.Activations;

namespace MLSae.Transforms;

/// <summary>Settings of <see cref="FlattenActivationsEstimator"/>.</summary>
public sealed record FlattenActivationsOptions
{
    /// <summary>Creates options with the defaults in <see cref="FlattenActivationsDefaults"/>.</summary>
    public FlattenActivationsOptions() { }

    /// <summary>The per-token column written: a known-size vector of d floats.</summary>
    public string OutputColumnName { get; init; } = FlattenActivationsDefaults.OutputColumnName;
    /// <summary>The per-document column read: a float vector holding [tokens x d] row-major (ExtractActivations' output).</summary>
    public string InputColumnName { get; init; } = FlattenActivationsDefaults.InputColumnName;
    /// <summary>d; 0 infers it at Fit from the first document with tokens (length / <c>{input}TokenCount</c>).</summary>
    public int Dimension { get; init; }
}

/// <summary>Default values of <see cref="FlattenActivationsOptions"/>.</summary>
public static class FlattenActivationsDefaults
{
    /// <summary>"Activation", the column ApplySae and TrainSae read.</summary>
    public const string OutputColumnName = SaeTransformerDefaults.InputColumnName;
    /// <summary>"Activations", the column ExtractActivations writes.</summary>
    public const string InputColumnName = ActivationExtractorDefaults.OutputColumnName;
    /// <summary>"TokenId" (Int32), written when the input has a <c>{input}TokenIds</c> column.</summary>
    public const string TokenIdColumnName = "TokenId";
    /// <summary>"DocumentId" (Int64): the input row the token came from.</summary>
    public const string DocumentIdColumnName = "DocumentId";
    /// <summary>"Position" (Int32): the token's index among its document's stored tokens.</summary>
    public const string PositionColumnName = "Position";
}
