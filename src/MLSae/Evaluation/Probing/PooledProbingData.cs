namespace MLSae.Evaluation.Probing;

/// <summary>
/// Labelled texts as pooled vectors: for text i, <see cref="Raw"/> row i is the mean of its
/// tokens' activations (width <see cref="RawDimension"/>) and <see cref="Codes"/> row i the mean
/// of its tokens' SAE codes (width <see cref="CodeDimension"/>). Build with <see cref="ProbingDataBuilder"/>.
/// </summary>
public sealed class PooledProbingData
{
    /// <summary>Wraps pooled arrays after checking their shapes.</summary>
    public PooledProbingData(float[] raw, int rawDimension, float[] codes, int codeDimension, string[] labels)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(labels);
        if (raw.LongLength != (long)labels.Length * rawDimension)
            throw new ArgumentException($"raw has {raw.LongLength} values; {labels.Length} texts of d={rawDimension} need {(long)labels.Length * rawDimension}.", nameof(raw));
        if (codes.LongLength != (long)labels.Length * codeDimension)
            throw new ArgumentException($"codes has {codes.LongLength} values; {labels.Length} texts of m={codeDimension} need {(long)labels.Length * codeDimension}.", nameof(codes));
        Raw = raw;
        RawDimension = rawDimension;
        Codes = codes;
        CodeDimension = codeDimension;
        Labels = labels;
    }

    /// <summary>Mean-pooled raw activations, [Count, RawDimension].</summary>
    public float[] Raw { get; }
    /// <summary>d.</summary>
    public int RawDimension { get; }
    /// <summary>Mean-pooled SAE codes, [Count, CodeDimension].</summary>
    public float[] Codes { get; }
    /// <summary>m.</summary>
    public int CodeDimension { get; }
    /// <summary>Label of each text.</summary>
    public string[] Labels { get; }
    /// <summary>Number of texts.</summary>
    public int Count => Labels.Length;
}
