namespace MLSae.Training;

/// <summary>The number format of a training step's matrix products (<see cref="SaeTrainingOptions.Precision"/>).</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32.</summary>
    Fp32,
    /// <summary>
    /// Mixed precision: the matrix products (and the top-k selection input) in bfloat16; master weights, Adam moments,
    /// the loss, sums and the decoder-norm constraint stay float32, and so do checkpoints.
    /// </summary>
    Bf16,
}
