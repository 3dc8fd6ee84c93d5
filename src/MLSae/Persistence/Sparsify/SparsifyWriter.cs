using System.Text.Json;
using MLSae.Models;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Persistence.Sparsify;

/// <summary>
/// Writes a TopK SAE as a sparsify hook-point folder (cfg.json + sae.safetensors in float32, the layout
/// <c>SparseCoder.load_from_disk</c> reads). sparsify has no other activation, so other SAEs are refused.
/// </summary>
public static class SparsifyWriter
{
    /// <summary>Throws <see cref="NotSupportedException"/> when sparsify cannot express <paramref name="weights"/>.</summary>
    public static void EnsureExpressible(SaeWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Activation != SaeActivation.TopK)
            throw new NotSupportedException($"sparsify stores only TopK sparse coders (activation \"topk\"); this SAE is {weights.Architecture} " +
                $"with a {weights.Activation} activation. Export it as saelens, onnx or mlnet instead.");
    }

    /// <summary>Writes <paramref name="weights"/> into the hook-point folder <paramref name="folder"/> (created if needed; each file replaced atomically).</summary>
    public static void Write(SaeWeights weights, string folder)
    {
        EnsureExpressible(weights);
        Directory.CreateDirectory(folder);
        int d = weights.InputDim, m = weights.FeatureCount;
        new SafeTensorsWriter()
            .Add(SparsifyFiles.WEnc, weights.EncoderWeights, [m, d])
            .Add(SparsifyFiles.BEnc, weights.EncoderBias, [m])
            .Add(SparsifyFiles.WDec, weights.DecoderWeights, [m, d])
            .Add(SparsifyFiles.BDec, weights.DecoderBias, [d])
            .AddMetadata("format", "pt")   // what safetensors.torch.save_model writes
            .Save(Path.Combine(folder, SparsifyFiles.Weights));
        AtomicFile.WriteAllText(Path.Combine(folder, SparsifyFiles.Config),
            SparsifyConfig.ToJson(weights).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
