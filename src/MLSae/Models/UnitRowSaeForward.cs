namespace MLSae.Models;

/// <summary>
/// An SAE forward in its unit-decoder-row form (<see cref="DecoderNorms"/>): the inner forward's codes are multiplied
/// by ||W_dec[i]||, reconstructions are unchanged. Evaluation runs SAEs through it so that values compared across
/// features (l1, mean activations, probing and absorption rankings) do not depend on how the decoder was scaled.
/// </summary>
public sealed class UnitRowSaeForward : ISaeForward
{
    readonly ISaeForward _inner;
    readonly double[] _norms;

    /// <summary>Wraps <paramref name="inner"/> (which stays owned by the caller) with the decoder row norms <paramref name="norms"/> [m].</summary>
    public UnitRowSaeForward(ISaeForward inner, double[] norms)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(norms);
        if (norms.Length != inner.FeatureCount)
            throw new ArgumentException($"{norms.Length} decoder norms given for an SAE of m={inner.FeatureCount} features.", nameof(norms));
        _inner = inner;
        _norms = norms;
    }

    /// <summary>Wraps <paramref name="inner"/>, a forward of <paramref name="weights"/>.</summary>
    public UnitRowSaeForward(ISaeForward inner, SaeWeights weights) : this(inner, DecoderNorms.Of(weights)) { }

    /// <inheritdoc/>
    public int InputDim => _inner.InputDim;

    /// <inheritdoc/>
    public int FeatureCount => _inner.FeatureCount;

    /// <summary>The decoder row norms the codes are multiplied by.</summary>
    public ReadOnlySpan<double> Norms => _norms;

    /// <inheritdoc/>
    public void Run(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction)
    {
        _inner.Run(x, rows, codes, reconstruction);
        DecoderNorms.Fold(codes, rows, _norms);
    }
}
