namespace MLSae.Browsing;

/// <summary>
/// Fixed log-spaced bins for activations when firing, the same for every feature so one streaming pass can fill them
/// without knowing a feature's range in advance: bin b covers [10^(Lo + b/PerDecade), 10^(Lo + (b+1)/PerDecade));
/// values below the first edge go to bin 0, above the last to the last bin.
/// </summary>
public static class ActivationHistogram
{
    /// <summary>log10 of the first edge.</summary>
    public const int Lo = -3;
    /// <summary>log10 of the last edge.</summary>
    public const int Hi = 3;
    /// <summary>Bins per factor of ten.</summary>
    public const int PerDecade = 8;
    /// <summary>Number of bins.</summary>
    public const int Bins = (Hi - Lo) * PerDecade;

    /// <summary>The bin of a positive activation.</summary>
    public static int Bin(float value)
    {
        double b = Math.Floor((Math.Log10(value) - Lo) * PerDecade);
        return b < 0 ? 0 : b >= Bins ? Bins - 1 : (int)b;
    }

    /// <summary>The Bins + 1 edges.</summary>
    public static double[] Edges() => [.. Enumerable.Range(0, Bins + 1).Select(b => Math.Pow(10, Lo + (double)b / PerDecade))];
}
