using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>Builds the module for <see cref="SaeTrainingOptions.Architecture"/>.</summary>
public static class SaeModuleFactory
{
    /// <summary>
    /// A randomly initialised module for input width <paramref name="inputDim"/>, row norms per <see cref="SaeInitialization"/>,
    /// on <see cref="SaeTrainingOptions.Device"/>.
    /// </summary>
    public static SaeModule Create(SaeTrainingOptions options, int inputDim, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var module = Build(options, inputDim, generator, MLSae.Runtime.TrainingDevice.Resolve(options.Device));
        module.Precision = options.Precision;
        SaeInitialization.Apply(module, options);
        return module;
    }

    static SaeModule Build(SaeTrainingOptions options, int inputDim, Generator? generator, Device device)
    {
        int m = options.ResolveFeatureCount(inputDim);
        return options.Architecture switch
        {
            SaeArchitecture.Standard => new StandardSae(inputDim, m, options.L1Weighting, generator, device),
            SaeArchitecture.JumpReLU => new JumpReluSae(inputDim, m, options.JumpReluBandwidth * JumpReluUnit(options, inputDim), options.TargetL0 ?? SaeTrainingDefaults.TargetL0,
                options.JumpReluInitialThreshold * JumpReluUnit(options, inputDim), generator, device),
            SaeArchitecture.TopK => new TopKSae(inputDim, m, options.K, options.AuxKCoefficient, generator, device),
            SaeArchitecture.BatchTopK => new BatchTopKSae(inputDim, m, options.K, options.AuxKCoefficient, ThresholdStartStep(options), options.ThresholdDecay, generator, device),
            SaeArchitecture.Matryoshka => Matryoshka(options, inputDim, m, generator, device),
            SaeArchitecture.Ordered => new OrderedSae(inputDim, m, options.K, options.AuxKCoefficient, generator, device),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Architecture, "Unknown architecture."),
        };
    }

    /// <summary>
    /// The step the BatchTopK inference threshold starts tracking: <see cref="SaeTrainingOptions.ThresholdStartStep"/>,
    /// but at the latest half-way through the run, so a run shorter than the start step (dictionary_learning's 1,000
    /// assumes long runs) still exports a tracked threshold rather than one under which every positive code fires.
    /// </summary>
    public static long ThresholdStartStep(SaeTrainingOptions options) =>
        Math.Min(options.ThresholdStartStep, Math.Max(1, options.ResolveSteps() / 2));

    static MatryoshkaSae Matryoshka(SaeTrainingOptions options, int inputDim, int m, Generator? generator, Device device)
    {
        var prefixes = MatryoshkaPrefixes(options, m);
        return new MatryoshkaSae(inputDim, m, options.K, prefixes, MatryoshkaWeights(options, prefixes.Length),
            options.AuxKCoefficient, ThresholdStartStep(options), options.ThresholdDecay, generator, device);
    }

    /// <summary>
    /// The scale of <see cref="SaeTrainingOptions.JumpReluBandwidth"/> and <see cref="SaeTrainingOptions.JumpReluInitialThreshold"/>:
    /// they are given, as in dictionary_learning (trainers/jumprelu.py), for activations with E||x||^2 = 1, while
    /// <see cref="SaeTrainingOptions.NormalizeActivations"/> scales to E||x||^2 = d, so pre-activations are sqrt(d) times
    /// larger. Without normalisation they are taken in raw activation units.
    /// </summary>
    public static double JumpReluUnit(SaeTrainingOptions options, int inputDim) => options.NormalizeActivations ? Math.Sqrt(inputDim) : 1.0;

    /// <summary>
    /// Prefix sizes from <see cref="SaeTrainingOptions.MatryoshkaPrefixFractions"/> (default 1/16, 1/8, 1/4, 1/2, 1).
    /// Default fractions that round to the same size at a small m are merged; explicit ones that do are an error.
    /// </summary>
    public static int[] MatryoshkaPrefixes(SaeTrainingOptions options, int featureCount)
    {
        var fractions = options.MatryoshkaPrefixFractions ?? [1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1.0];
        if (fractions.Length == 0 || fractions[^1] != 1.0 || fractions.Any(f => !(f > 0 && f <= 1)) || fractions.Zip(fractions.Skip(1)).Any(p => p.First >= p.Second))
            throw new ArgumentException($"{nameof(SaeTrainingOptions)}.{nameof(SaeTrainingOptions.MatryoshkaPrefixFractions)} must increase strictly " +
                $"within (0, 1] and end at 1; got [{string.Join(", ", fractions)}].", nameof(options));
        var sizes = fractions.Select(f => Math.Clamp((int)Math.Round(f * featureCount), 1, featureCount)).ToArray();
        var distinct = sizes.Distinct().ToArray();
        if (distinct.Length != sizes.Length && options.MatryoshkaPrefixFractions is not null)
            throw new ArgumentException($"{nameof(SaeTrainingOptions)}.{nameof(SaeTrainingOptions.MatryoshkaPrefixFractions)} [{string.Join(", ", fractions)}] " +
                $"gives prefix sizes [{string.Join(", ", sizes)}] at m = {featureCount}: two prefixes coincide. Use fewer or wider fractions, or a larger m.", nameof(options));
        return distinct;
    }

    /// <summary>Loss weight of each prefix: <see cref="SaeTrainingOptions.MatryoshkaWeights"/>, or equal weights summing to 1.</summary>
    public static double[] MatryoshkaWeights(SaeTrainingOptions options, int prefixCount)
    {
        if (options.MatryoshkaWeights is not { } w) return Enumerable.Repeat(1.0 / prefixCount, prefixCount).ToArray();
        if (w.Length != prefixCount)
            throw new ArgumentException($"{nameof(SaeTrainingOptions)}.{nameof(SaeTrainingOptions.MatryoshkaWeights)} has {w.Length} weights for {prefixCount} prefixes " +
                $"({nameof(SaeTrainingOptions.MatryoshkaPrefixFractions)}); give one weight per prefix.", nameof(options));
        return w;
    }
}
