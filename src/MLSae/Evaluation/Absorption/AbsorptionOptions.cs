namespace MLSae.Evaluation.Absorption;

/// <summary>Defaults for <see cref="AbsorptionOptions"/> (SAEBench's absorption eval values).</summary>
public static class AbsorptionDefaults
{
    /// <summary>Full absorption: the top-projecting latent's decoder must have at least this cosine with the probe.</summary>
    public const double FullAbsorptionProbeCosSimThreshold = 0.025;
    /// <summary>Absorption fraction: a potential absorber's decoder must have at least this cosine with the probe.</summary>
    public const double AbsorptionFractionProbeCosSimThreshold = 0.1;
    /// <summary>Absorbers must account for at least this share of the activation's probe projection.</summary>
    public const double ProbeProjectionProportionThreshold = 0.4;
    /// <summary>At most this many latents together count as absorbing (absorption fraction).</summary>
    public const int MaxAbsorbingLatents = 3;
    /// <summary>Main-latent search: add the next latent only while the k-sparse probe's F1 rises by more than this.</summary>
    public const double FeatureSplitF1Jump = 0.03;
    /// <summary>Main-latent search: at most this many main latents per letter.</summary>
    public const int MaxMainLatents = 10;
}

/// <summary>Thresholds of the first-letter absorption metric.</summary>
public sealed record AbsorptionOptions
{
    /// <summary>Options with every default applied.</summary>
    public AbsorptionOptions() { }

    /// <summary>See <see cref="AbsorptionDefaults.FullAbsorptionProbeCosSimThreshold"/>.</summary>
    public double FullAbsorptionProbeCosSimThreshold { get; init; } = AbsorptionDefaults.FullAbsorptionProbeCosSimThreshold;
    /// <summary>See <see cref="AbsorptionDefaults.AbsorptionFractionProbeCosSimThreshold"/>.</summary>
    public double AbsorptionFractionProbeCosSimThreshold { get; init; } = AbsorptionDefaults.AbsorptionFractionProbeCosSimThreshold;
    /// <summary>See <see cref="AbsorptionDefaults.ProbeProjectionProportionThreshold"/>.</summary>
    public double ProbeProjectionProportionThreshold { get; init; } = AbsorptionDefaults.ProbeProjectionProportionThreshold;
    /// <summary>See <see cref="AbsorptionDefaults.MaxAbsorbingLatents"/>.</summary>
    public int MaxAbsorbingLatents { get; init; } = AbsorptionDefaults.MaxAbsorbingLatents;
    /// <summary>See <see cref="AbsorptionDefaults.FeatureSplitF1Jump"/>.</summary>
    public double FeatureSplitF1Jump { get; init; } = AbsorptionDefaults.FeatureSplitF1Jump;
    /// <summary>See <see cref="AbsorptionDefaults.MaxMainLatents"/>.</summary>
    public int MaxMainLatents { get; init; } = AbsorptionDefaults.MaxMainLatents;
}
