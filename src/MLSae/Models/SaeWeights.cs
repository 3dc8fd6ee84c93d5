namespace MLSae.Models;

/// <summary>
/// The parameters of a trained sparse autoencoder in feature-major layout: row i of
/// <see cref="EncoderWeights"/> and of <see cref="DecoderWeights"/> both belong to feature i,
/// so reordering features is a row permutation of both.
/// f = act(W_enc (x - b_dec) + b_enc), x_hat = W_dec^T f + b_dec, on raw (unnormalised) activations.
/// </summary>
public sealed class SaeWeights
{
    /// <summary>Creates weights after checking every shape; arrays are used as given, not copied.</summary>
    public SaeWeights(SaeArchitecture architecture, SaeActivation activation, int inputDim, int featureCount,
        float[] encoderWeights, float[] encoderBias, float[] decoderWeights, float[] decoderBias,
        float[]? thresholds = null, int k = 0)
    {
        if (inputDim <= 0) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "Input dimension d must be positive.");
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "Feature count m must be positive.");
        CheckLength(encoderWeights, (long)featureCount * inputDim, nameof(encoderWeights), $"[m={featureCount}, d={inputDim}]");
        CheckLength(encoderBias, featureCount, nameof(encoderBias), $"[m={featureCount}]");
        CheckLength(decoderWeights, (long)featureCount * inputDim, nameof(decoderWeights), $"[m={featureCount}, d={inputDim}]");
        CheckLength(decoderBias, inputDim, nameof(decoderBias), $"[d={inputDim}]");
        if (activation == SaeActivation.JumpReLU)
        {
            if (thresholds is null) throw new ArgumentException("JumpReLU activation needs per-feature thresholds.", nameof(thresholds));
            CheckLength(thresholds, featureCount, nameof(thresholds), $"[m={featureCount}]");
        }
        if (activation == SaeActivation.TopK && (k <= 0 || k > featureCount))
            throw new ArgumentOutOfRangeException(nameof(k), k, $"TopK activation needs 1 <= k <= m ({featureCount}).");

        Architecture = architecture;
        Activation = activation;
        InputDim = inputDim;
        FeatureCount = featureCount;
        EncoderWeights = encoderWeights;
        EncoderBias = encoderBias;
        DecoderWeights = decoderWeights;
        DecoderBias = decoderBias;
        Thresholds = thresholds;
        K = k;
    }

    /// <summary>How the SAE was trained.</summary>
    public SaeArchitecture Architecture { get; }
    /// <summary>The inference activation.</summary>
    public SaeActivation Activation { get; }
    /// <summary>d, the width of the activations the SAE reads.</summary>
    public int InputDim { get; }
    /// <summary>m, the number of features (dictionary size).</summary>
    public int FeatureCount { get; }
    /// <summary>W_enc, [m, d] row-major.</summary>
    public float[] EncoderWeights { get; }
    /// <summary>b_enc, [m].</summary>
    public float[] EncoderBias { get; }
    /// <summary>W_dec, [m, d] row-major: row i is feature i's decoder direction.</summary>
    public float[] DecoderWeights { get; }
    /// <summary>b_dec, [d].</summary>
    public float[] DecoderBias { get; }
    /// <summary>JumpReLU thresholds, [m]; null for other activations.</summary>
    public float[]? Thresholds { get; }
    /// <summary>k for <see cref="SaeActivation.TopK"/>; 0 otherwise.</summary>
    public int K { get; }
    /// <summary>Provenance and ordering information; never affects the math.</summary>
    public SaeInfo Info { get; init; } = new();

    /// <summary>The same parameters (shared, not copied) with <paramref name="info"/>.</summary>
    public SaeWeights WithInfo(SaeInfo info) =>
        new(Architecture, Activation, InputDim, FeatureCount, EncoderWeights, EncoderBias, DecoderWeights, DecoderBias, Thresholds, K) { Info = info };

    /// <summary>Encoder row of feature <paramref name="feature"/>.</summary>
    public ReadOnlySpan<float> EncoderRow(int feature) => EncoderWeights.AsSpan(feature * InputDim, InputDim);
    /// <summary>Decoder row (direction) of feature <paramref name="feature"/>.</summary>
    public ReadOnlySpan<float> DecoderRow(int feature) => DecoderWeights.AsSpan(feature * InputDim, InputDim);

    static void CheckLength(float[] array, long expected, string name, string shape)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if (array.LongLength != expected)
            throw new ArgumentException($"{name} has {array.LongLength} values; expected {expected} for shape {shape}.", name);
    }
}
