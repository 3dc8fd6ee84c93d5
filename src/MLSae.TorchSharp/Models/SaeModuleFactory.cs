using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>Builds the module for <see cref="SaeTrainingOptions.Architecture"/>.</summary>
public static class SaeModuleFactory
{
    /// <summary>A randomly initialised module for input width <paramref name="inputDim"/>, row norms per <see cref="SaeInitialization"/>.</summary>
    public static SaeModule Create(SaeTrainingOptions options, int inputDim, Generator? generator = null)
    {
        var module = Build(options, inputDim, generator);
        SaeInitialization.Apply(module, options);
        return module;
    }

    static SaeModule Build(SaeTrainingOptions options, int inputDim, Generator? generator)
    {
        int m = options.ResolveFeatureCount(inputDim);
        return options.Architecture switch
        {
            SaeArchitecture.Standard => new StandardSae(inputDim, m, options.L1Weighting, generator),
            SaeArchitecture.JumpReLU => new JumpReluSae(inputDim, m, options.JumpReluBandwidth, options.TargetL0 ?? SaeTrainingDefaults.TargetL0, options.JumpReluInitialThreshold, generator),
            SaeArchitecture.TopK => new TopKSae(inputDim, m, options.K, options.AuxKCoefficient, generator),
            SaeArchitecture.BatchTopK => new BatchTopKSae(inputDim, m, options.K, options.AuxKCoefficient, options.ThresholdStartStep, options.ThresholdDecay, generator),
            SaeArchitecture.Matryoshka => new MatryoshkaSae(inputDim, m, options.K, MatryoshkaPrefixes(options, m), MatryoshkaWeights(options),
                options.AuxKCoefficient, options.ThresholdStartStep, options.ThresholdDecay, generator),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Architecture, "Unknown architecture."),
        };
    }

    /// <summary>Prefix sizes from <see cref="SaeTrainingOptions.MatryoshkaPrefixFractions"/> (default 1/16, 1/8, 1/4, 1/2, 1).</summary>
    public static int[] MatryoshkaPrefixes(SaeTrainingOptions options, int featureCount)
    {
        var fractions = options.MatryoshkaPrefixFractions ?? [1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1.0];
        return fractions.Select(f => Math.Clamp((int)Math.Round(f * featureCount), 1, featureCount)).Distinct().ToArray();
    }

    static double[] MatryoshkaWeights(SaeTrainingOptions options)
    {
        if (options.MatryoshkaWeights is { } w) return w;
        int n = (options.MatryoshkaPrefixFractions ?? new double[5]).Length;
        return Enumerable.Repeat(1.0 / n, n).ToArray();
    }
}
