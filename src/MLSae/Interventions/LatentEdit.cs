namespace MLSae.Interventions;

/// <summary>What a <see cref="LatentEdit"/> does to one SAE latent f_j.</summary>
public enum LatentEditKind
{
    /// <summary>f_j := 0 (SAEBench's SCR/TPP zero ablation).</summary>
    Zero,
    /// <summary>f_j := Value at every position.</summary>
    Clamp,
    /// <summary>f_j := Value where f_j &gt; 0, unchanged elsewhere (SAEBench unlearning's clamp_feature_activation with Value = -multiplier).</summary>
    ClampActive,
    /// <summary>f_j := Value * f_j.</summary>
    Scale,
    /// <summary>f_j := f_j + Value at every position: adds Value times the decoder direction W_dec[j] (steering).</summary>
    Add,
}

/// <summary>One edit of one latent; build with the factory methods.</summary>
/// <param name="Latent">Index of the latent, 0 &lt;= Latent &lt; m.</param>
/// <param name="Kind">The edit.</param>
/// <param name="Value">The clamp value, the scale factor or the steering coefficient (ignored by <see cref="LatentEditKind.Zero"/>).</param>
public readonly record struct LatentEdit(int Latent, LatentEditKind Kind, float Value)
{
    /// <summary>f_j := 0.</summary>
    public static LatentEdit Zero(int latent) => new(latent, LatentEditKind.Zero, 0);
    /// <summary>f_j := value everywhere.</summary>
    public static LatentEdit Clamp(int latent, float value) => new(latent, LatentEditKind.Clamp, value);
    /// <summary>f_j := value where the latent fires.</summary>
    public static LatentEdit ClampActive(int latent, float value) => new(latent, LatentEditKind.ClampActive, value);
    /// <summary>f_j := factor * f_j.</summary>
    public static LatentEdit Scale(int latent, float factor) => new(latent, LatentEditKind.Scale, factor);
    /// <summary>Adds coefficient * W_dec[j] at every position.</summary>
    public static LatentEdit Add(int latent, float coefficient) => new(latent, LatentEditKind.Add, coefficient);
}
