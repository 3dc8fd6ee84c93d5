using MLSae.Models;
using static TorchSharp.torch;

namespace MLSae.Training;

/// <summary>Activation scale and decoder-bias initialisation from a sample of rows.</summary>
static class TrainingInitialization
{
    /// <summary>s with E||s x||^2 = d over <paramref name="sample"/> [n, d]; 1 when disabled.</summary>
    public static double Scale(Tensor sample, bool normalize)
    {
        if (!normalize) return 1.0;
        double meanSq = sample.to(ScalarType.Float64).square().sum(1).mean().item<double>();
        if (!(meanSq > 0) || double.IsInfinity(meanSq))
            throw new InvalidDataException($"Activations have mean squared norm {meanSq}; cannot normalise. Check the activation cache for zeros or NaN.");
        return Math.Sqrt(sample.shape[1] / meanSq);
    }

    /// <summary>b_dec init for the (already normalised) sample.</summary>
    public static Tensor DecoderBias(Tensor sample, DecoderBiasInit init, SaeArchitecture architecture)
    {
        if (init == DecoderBiasInit.Auto)
            init = architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK or SaeArchitecture.Matryoshka or SaeArchitecture.Ordered ? DecoderBiasInit.GeometricMedian : DecoderBiasInit.Mean;
        return init switch
        {
            DecoderBiasInit.Zeros => zeros(sample.shape[1]),
            DecoderBiasInit.Mean => sample.mean([0]),
            _ => GeometricMedian(sample),
        };
    }

    /// <summary>Weiszfeld iterations in float64, started at the mean.</summary>
    public static Tensor GeometricMedian(Tensor points, int iterations = 100, double tolerance = 1e-6)
    {
        var p = points.to(ScalarType.Float64);
        var guess = p.mean([0]);
        for (int i = 0; i < iterations; i++)
        {
            var prev = guess;
            var w = 1.0 / (p - guess).norm(1).clamp_min(1e-12);
            guess = (w.unsqueeze(1) * p).sum(dim: 0) / w.sum();
            if ((guess - prev).norm().item<double>() < tolerance) break;
        }
        return guess.to(ScalarType.Float32);
    }
}
