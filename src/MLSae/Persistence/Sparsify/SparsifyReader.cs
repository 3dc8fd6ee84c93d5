using System.Text.Json;
using MLSae.Models;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Persistence.Sparsify;

/// <summary>
/// Reads an EleutherAI sparsify sparse coder folder (cfg.json + sae.safetensors, as <c>SparseCoder.save_to_disk</c>
/// writes it; any float dtype, bf16 included) into <see cref="SaeWeights"/>. sparsify encodes
/// relu(W_enc (x - b_dec) + b_enc) and keeps the k largest (sparsify/fused_encoder.py), which is MLSae's TopK activation.
/// </summary>
public static class SparsifyReader
{
    /// <summary>
    /// Reads the coder in <paramref name="folder"/>: a hook-point folder, or a save directory holding exactly one
    /// (with several, the error lists them).
    /// </summary>
    public static SaeWeights Read(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"sparsify folder '{folder}' does not exist.");
        if (!SparsifyFiles.IsSparsifyFolder(folder))
        {
            var hooks = SparsifyFiles.HookPointFolders(folder);
            if (hooks.Count == 1) return Read(hooks[0]);
            if (hooks.Count > 1)
                throw new ArgumentException($"'{folder}' holds sparsify coders for {hooks.Count} hook points ({string.Join(", ", hooks.Select(Path.GetFileName))}); " +
                    $"pass one of them, e.g. '{hooks[0]}'.");
            throw new FileNotFoundException($"'{folder}' is not a sparsify folder: it needs {SparsifyFiles.Config} and {SparsifyFiles.Weights} " +
                "(or one subfolder per hook point holding them).", Path.Combine(folder, SparsifyFiles.Config));
        }

        var cfgPath = Path.Combine(folder, SparsifyFiles.Config);
        SparsifyConfig cfg;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(cfgPath));
            cfg = SparsifyConfig.Parse(doc.RootElement, cfgPath);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{cfgPath}' is not valid JSON: {e.Message}", e);
        }

        int d = cfg.DIn, m = cfg.NumLatents;
        var weightsPath = Path.Combine(folder, SparsifyFiles.Weights);
        using var st = SafeTensorsFile.Open(weightsPath);
        if (st.Contains(SparsifyFiles.WSkip))
            throw new NotSupportedException($"{weightsPath}: holds a skip connection ({SparsifyFiles.WSkip}), which MLSae's SAE does not compute.");
        float[] Tensor(string name, params long[] shape)
        {
            var info = st.Get(name);
            if (!info.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"{weightsPath}: tensor '{name}' has shape {info.ShapeText}, but {cfgPath} (d_in = {d}, num_latents = {m}) " +
                    $"needs [{string.Join(", ", shape)}].");
            return st.ReadSingles(name, shape);
        }
        var wEnc = Tensor(SparsifyFiles.WEnc, m, d);   // nn.Linear: [out, in] = feature-major, as MLSae
        var bEnc = Tensor(SparsifyFiles.BEnc, m);
        var wDec = Tensor(SparsifyFiles.WDec, m, d);
        var bDec = Tensor(SparsifyFiles.BDec, d);
        var info = cfg.Info.HookName is null ? cfg.Info with { HookName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))) } : cfg.Info;
        return new SaeWeights(cfg.Architecture ?? SaeArchitecture.TopK, SaeActivation.TopK, d, m, wEnc, bEnc, wDec, bDec, k: cfg.K) { Info = info };
    }
}
