using System.Text.Json;
using MLSae.Models;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Persistence.SaeLens;

/// <summary>
/// Reads an SAELens SAE folder (cfg.json + sae_weights.safetensors [+ sparsity.safetensors]) as
/// written by SAELens 5 and 6 into <see cref="SaeWeights"/>. Supports the standard, jumprelu and
/// topk architectures on raw activations (normalize_activations "none").
/// </summary>
public static class SaeLensReader
{
    /// <summary>Reads the SAE in <paramref name="folder"/>.</summary>
    public static SaeWeights Read(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"SAELens folder '{folder}' does not exist.");
        var cfgPath = Path.Combine(folder, SaeLensFiles.Config);
        if (!File.Exists(cfgPath))
            throw new FileNotFoundException($"'{folder}' is not an SAELens SAE folder: it has no {SaeLensFiles.Config}.", cfgPath);
        var weightsPath = Path.Combine(folder, SaeLensFiles.Weights);
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException($"'{folder}' is not an SAELens SAE folder: it has no {SaeLensFiles.Weights}.", weightsPath);

        SaeLensConfig cfg;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(cfgPath));
            cfg = SaeLensConfig.Parse(doc.RootElement, cfgPath);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{cfgPath}' is not valid JSON: {e.Message}", e);
        }

        int d = cfg.DIn, m = cfg.DSae;
        using var st = SafeTensorsFile.Open(weightsPath);
        var wEnc = st.ReadSingles(SaeLensFiles.WEnc, d, m);
        var bEnc = st.ReadSingles(SaeLensFiles.BEnc, m);
        var wDec = st.ReadSingles(SaeLensFiles.WDec, m, d);
        var bDec = st.ReadSingles(SaeLensFiles.BDec, d);
        float[]? threshold = null;
        if (cfg.Activation == SaeActivation.JumpReLU)
        {
            // SAELens JumpReLU is relu(pre) * (pre > t); MLSae's is pre * (pre > t). They agree
            // exactly once negative thresholds are raised to 0.
            threshold = st.ReadSingles(SaeLensFiles.Threshold, m);
            for (int i = 0; i < m; i++) threshold[i] = Math.Max(0f, threshold[i]);
        }

        var encoder = Onnx.SaeOnnxGraph.Transpose(wEnc, d, m); // [d, m] -> feature-major [m, d]
        if (!cfg.ApplyBDecToInput)
        {
            // SAELens computes act(W x + b_enc); MLSae always subtracts b_dec first, so fold W b_dec into b_enc.
            for (int i = 0; i < m; i++)
            {
                double s = bEnc[i];
                for (int j = 0; j < d; j++) s += (double)encoder[i * d + j] * bDec[j];
                bEnc[i] = (float)s;
            }
        }

        float[]? freq = null;
        var sparsityPath = Path.Combine(folder, SaeLensFiles.Sparsity);
        if (File.Exists(sparsityPath))
        {
            using var sp = SafeTensorsFile.Open(sparsityPath);
            var log = sp.ReadSingles(SaeLensFiles.SparsityKey, m);
            freq = log.Select(l => (float)Math.Max(0, Math.Pow(10, l) - SaeLensFiles.SparsityEpsilon)).ToArray();
        }

        return new SaeWeights(cfg.Architecture, cfg.Activation, d, m, encoder, bEnc, wDec, bDec, threshold, cfg.K)
        {
            Info = cfg.Info with { FeatureFrequencies = freq },
        };
    }
}
