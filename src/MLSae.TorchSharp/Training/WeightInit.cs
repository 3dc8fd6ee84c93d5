namespace MLSae.Training;

/// <summary>How the encoder and decoder weights start (see <see cref="MLSae.Models.SaeInitialization"/>).</summary>
public enum WeightInit
{
    /// <summary>Per architecture, as the reference implementations do (standard: encoder rows at 0.1).</summary>
    Reference,
    /// <summary>W_enc = W_dec with unit-norm rows for every architecture (MLSae before issue 15; reproduces older runs).</summary>
    TiedUnitNorm,
}
