namespace MLSae.Ordering;

/// <summary>What features are sorted by (descending; ties keep the current order).</summary>
public enum FeatureOrderKey
{
    /// <summary>Keep the current order (the identity permutation).</summary>
    Original,
    /// <summary>Firing frequency: fraction of tokens with f_i &gt; 0.</summary>
    Frequency,
    /// <summary>Mean activation: mean over tokens of f_i (zeros included).</summary>
    MeanActivation,
    /// <summary>Importance: mean activation times the norm of the feature's decoder row, mean(f_i) x ||W_dec[i]||.</summary>
    Importance,
    /// <summary>A seeded random permutation (a baseline for prefix curves).</summary>
    Random,
}
