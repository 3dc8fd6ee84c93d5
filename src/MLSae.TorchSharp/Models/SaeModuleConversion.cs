using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// Moves weights between a trainable <see cref="SaeModule"/> (normalised space, x_n = s x) and
/// <see cref="SaeWeights"/> (raw space). With x_n = s x the codes are unchanged when
/// W_enc' = s W_enc, b_dec' = b_dec / s, W_dec' = W_dec / s (b_enc and thresholds unchanged).
/// </summary>
public static class SaeModuleConversion
{
    /// <summary>Exports the module's weights, folding the activation scale <paramref name="scale"/> back.</summary>
    public static SaeWeights ToWeights(this SaeModule module, double scale = 1.0, SaeInfo? info = null)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        float[] Get(Tensor t, double factor) => (t.detach().to(ScalarType.Float64) * factor).to(ScalarType.Float32).cpu().data<float>().ToArray();
        return new SaeWeights(module.Architecture, module.InferenceActivation, module.InputDim, module.FeatureCount,
            Get(module.W_enc, scale), Get(module.b_enc, 1), Get(module.W_dec, 1 / scale), Get(module.b_dec, 1 / scale),
            module.ExportThresholds(), module.ExportK) { Info = info ?? new SaeInfo() };
    }

    /// <summary>Loads <paramref name="weights"/> (raw space) into the module, which then works in the space x_n = <paramref name="scale"/> x.</summary>
    public static void LoadWeights(this SaeModule module, SaeWeights weights, double scale = 1.0)
    {
        if (weights.InputDim != module.InputDim || weights.FeatureCount != module.FeatureCount)
            throw new ArgumentException($"Weights are d={weights.InputDim}, m={weights.FeatureCount}; the module is d={module.InputDim}, m={module.FeatureCount}.", nameof(weights));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        void Set(Tensor target, float[] values, double factor) =>
            target.copy_((tensor(values).to(ScalarType.Float64) * factor).to(ScalarType.Float32).reshape(target.shape));
        Set(module.W_enc, weights.EncoderWeights, 1 / scale);
        Set(module.b_enc, weights.EncoderBias, 1);
        Set(module.W_dec, weights.DecoderWeights, scale);
        Set(module.b_dec, weights.DecoderBias, scale);
        module.ImportThresholds(weights.Thresholds);
    }

    /// <summary>A module of the weights' architecture holding <paramref name="weights"/> (for inspection or fine-tuning).</summary>
    internal static SaeModule FromWeights(SaeWeights weights, SaeTrainingOptions options)
    {
        var module = SaeModuleFactory.Create(options with { Architecture = weights.Architecture, FeatureCount = weights.FeatureCount, K = weights.K > 0 ? weights.K : options.K }, weights.InputDim);
        module.LoadWeights(weights);
        return module;
    }
}
