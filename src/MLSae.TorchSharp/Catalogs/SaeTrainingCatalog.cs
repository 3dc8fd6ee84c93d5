using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Training;
using MLSae.Transforms;

namespace Microsoft.ML;

/// <summary>ML.NET catalog methods for training sparse autoencoders (see <see cref="SaeTrainerEstimator"/>).</summary>
public static class SaeTrainingCatalog
{
    /// <summary>
    /// Trains an SAE on <paramref name="inputColumnName"/> (a known-size vector of d floats per row, one row per
    /// token); the fitted transformer writes the codes to <paramref name="outputColumnName"/> (m floats) and the
    /// reconstruction to "Reconstruction" (d floats). Other settings keep <see cref="SaeTrainingDefaults"/>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The SAE code column.</param>
    /// <param name="inputColumnName">The activation column.</param>
    /// <param name="architecture">Architecture (decides the loss).</param>
    /// <param name="featureCount">m; 0 means <see cref="SaeTrainingDefaults.Expansion"/> x d.</param>
    /// <param name="steps">Optimizer steps.</param>
    /// <param name="batchSize">Tokens per step.</param>
    /// <param name="seed">Seed of initialisation and data order.</param>
    public static SaeTrainerEstimator TrainSae(this TransformsCatalog catalog,
        string outputColumnName = TrainSaeDefaults.OutputColumnName,
        string inputColumnName = TrainSaeDefaults.InputColumnName,
        SaeArchitecture architecture = SaeTrainingDefaults.Architecture,
        int featureCount = 0,
        long steps = SaeTrainingDefaults.Steps,
        int batchSize = SaeTrainingDefaults.BatchSize,
        int seed = SaeTrainingDefaults.Seed) =>
        catalog.TrainSae(new TrainSaeOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Training = new SaeTrainingOptions
            {
                Architecture = architecture, FeatureCount = featureCount, Steps = steps, BatchSize = batchSize, Seed = seed,
            },
        });

    /// <summary>Trains an SAE with every setting in <paramref name="options"/> (training, in-training ordering, columns, data reading).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The settings.</param>
    /// <param name="progress">Progress: rows read into memory ("rows"), then training ("tokens").</param>
    public static SaeTrainerEstimator TrainSae(this TransformsCatalog catalog, TrainSaeOptions options, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new SaeTrainerEstimator(catalog, options, progress);
    }
}
