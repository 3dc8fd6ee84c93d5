using MLSae.Models;
using MLSae.Persistence.Sparsify;
using MLSae.Scoring;
using MLSae.Tests.Scoring;
using static MLSae.Tests.Persistence.Export.PythonFiles;

namespace MLSae.Tests.Persistence.Export;

/// <summary>
/// sparsify folders hand-built as EleutherAI/sparsify writes them (sparsify/sparse_coder.py SparseCoder.save_to_disk:
/// SAVE_DIR/HOOKPOINT/cfg.json via json.dump of SparseCoderConfig.to_dict() plus d_in, and sae.safetensors via
/// safetensors.torch.save_model of the module: encoder.weight [m, d], encoder.bias, W_dec [m, d], b_dec), read through
/// SaeLoader and compared with sparsify's forward written out here in double precision.
/// </summary>
public class SparsifyImportTests
{
    const int D = 8, M = 24, K = 4;

    static string Cfg(string extra = "", int numLatents = M) =>
        $"{{\"activation\": \"topk\", \"expansion_factor\": 3, \"normalize_decoder\": true, \"num_latents\": {numLatents}, \"k\": {K}, " +
        $"\"multi_topk\": false, \"skip_connection\": false, \"transcode\": false{extra}, \"d_in\": {D}}}";

    sealed record Coder(float[] WEnc, float[] BEnc, float[] WDec, float[] BDec);

    static Coder Weights(int seed) => new(Bf16Exact(M * D, seed, 0.5), Bf16Exact(M, seed + 1, 0.2), Bf16Exact(M * D, seed + 2, 0.5), Bf16Exact(D, seed + 3, 0.3));

    static string Write(string saveDir, string hookPoint, Coder c, string? cfg = null, string dtype = "BF16", long[]? wDecShape = null, bool skip = false)
    {
        var dir = Path.Combine(saveDir, hookPoint);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "cfg.json"), cfg ?? Cfg());
        var tensors = new List<Tensor>
        {
            new("encoder.weight", [M, D], c.WEnc, dtype), new("encoder.bias", [M], c.BEnc, dtype),
            new("W_dec", wDecShape ?? [M, D], c.WDec, dtype), new("b_dec", [D], c.BDec, dtype),
        };
        if (skip) tensors.Add(new("W_skip", [D, D], new float[D * D], dtype));
        SafeTensors(Path.Combine(dir, "sae.safetensors"), [.. tensors]);
        return dir;
    }

    /// <summary>sparsify's encode (fused_encoder.py: relu(linear(x - b_dec)), then topk) and decode, in double.</summary>
    static (double[] F, double[] XHat) SparsifyForward(Coder c, ReadOnlySpan<float> x)
    {
        var pre = new double[M];
        for (int i = 0; i < M; i++)
        {
            double s = c.BEnc[i];
            for (int j = 0; j < D; j++) s += (double)c.WEnc[i * D + j] * (x[j] - (double)c.BDec[j]);
            pre[i] = Math.Max(0, s);
        }
        var f = new double[M];
        foreach (var i in Enumerable.Range(0, M).OrderByDescending(i => pre[i]).Take(K)) f[i] = pre[i];
        var xHat = new double[D];
        for (int j = 0; j < D; j++)
        {
            double s = c.BDec[j];
            for (int i = 0; i < M; i++) s += f[i] * c.WDec[i * D + j];
            xHat[j] = s;
        }
        return (f, xHat);
    }

    [Fact]
    public void Bf16HookPointFolder_LoadsFromTheFolderAndFromItsSaveDirectory_WithSparsifysCodes()
    {
        var save = RepoPaths.NewTempDir("sparsify");
        var c = Weights(10);
        var hook = Write(save, "layers.3", c);
        var x = TestSaes.Activations(30, D, seed: 11);

        foreach (var path in new[] { hook, save, Path.Combine(hook, "cfg.json") })
        {
            var w = SaeLoader.Load(path);
            Assert.Equal((SaeArchitecture.TopK, SaeActivation.TopK, D, M, K), (w.Architecture, w.Activation, w.InputDim, w.FeatureCount, w.K));
            Assert.Equal("layers.3", w.Info.HookName);
            for (int r = 0; r < 30; r++)
            {
                var row = x.AsSpan(r * D, D);
                var (f, xHat) = SparsifyForward(c, row);
                var got = TestSaes.Encode(w, row);
                for (int i = 0; i < M; i++) Assert.True(Math.Abs(got[i] - f[i]) <= 1e-9, $"{path} row {r} feature {i}: {got[i]} vs sparsify {f[i]}");
                var rec = TestSaes.Decode(w, got);
                for (int j = 0; j < D; j++) Assert.True(Math.Abs(rec[j] - xHat[j]) <= 1e-9, $"{path} row {r} x_hat[{j}]");
            }
        }

        // The scorer (ONNX Runtime, float32) reads the same folder: codes within float32 rounding of sparsify's.
        using var scorer = SaeScorer.Open(save, new SaeScorerOptions { Execution = new MLSae.Onnx.OnnxExecutionOptions { PreferCuda = false } });
        var codes = new float[30 * M];
        scorer.Encode(x, 30, codes);
        for (int r = 0; r < 30; r++)
        {
            var (f, _) = SparsifyForward(c, x.AsSpan(r * D, D));
            for (int i = 0; i < M; i++) Assert.True(Math.Abs(codes[r * M + i] - f[i]) <= 1e-5 * (1 + Math.Abs(f[i])), $"row {r} feature {i}: {codes[r * M + i]} vs {f[i]}");
        }
    }

    [Fact]
    public void NumLatentsZero_MeansDInTimesExpansionFactor_AndF32IsReadToo()
    {
        var save = RepoPaths.NewTempDir("sparsify");
        var hook = Write(save, "h", Weights(20), Cfg(numLatents: 0), dtype: "F32");   // expansion_factor 3 x d_in 8 = 24
        Assert.Equal(M, SaeLoader.Load(hook).FeatureCount);
    }

    [Fact]
    public void ShapesThatDisagreeWithTheConfig_AreNamed()
    {
        var save = RepoPaths.NewTempDir("sparsify");
        var c = Weights(30);
        var hook = Write(save, "h", c with { WDec = new float[M * (D + 1)] }, wDecShape: [M, D + 1]);
        var e = Assert.Throws<InvalidDataException>(() => SaeLoader.Load(hook));
        Assert.Contains("'W_dec' has shape [24, 9]", e.Message);
        Assert.Contains("d_in = 8, num_latents = 24", e.Message);
        Assert.Contains("cfg.json", e.Message);
    }

    [Theory]
    [InlineData("\"activation\": \"topk\"", "\"activation\": \"groupmax\"", "groupmax")]
    [InlineData("\"transcode\": false", "\"transcode\": true", "transcode")]
    [InlineData("\"skip_connection\": false", "\"skip_connection\": true", "skip_connection")]
    public void WhatMLSaeCannotCompute_IsRefusedByName(string from, string to, string named)
    {
        var cfg = Cfg().Replace(from, to, StringComparison.Ordinal);
        Assert.Contains(to, cfg);
        var hook = Write(RepoPaths.NewTempDir("sparsify"), "h", Weights(40), cfg);
        var e = Assert.Throws<NotSupportedException>(() => SaeLoader.Load(hook));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void ASkipConnectionTensor_IsRefusedEvenWhenTheConfigOmitsIt()
    {
        var hook = Write(RepoPaths.NewTempDir("sparsify"), "h", Weights(45), skip: true);
        Assert.Contains("W_skip", Assert.Throws<NotSupportedException>(() => SaeLoader.Load(hook)).Message);
    }

    [Fact]
    public void ASaveDirectoryWithSeveralHookPoints_AsksForOne()
    {
        var save = RepoPaths.NewTempDir("sparsify");
        Write(save, "layers.1", Weights(50));
        Write(save, "layers.2", Weights(60));
        var e = Assert.Throws<ArgumentException>(() => SaeLoader.Load(save));
        Assert.Contains("layers.1, layers.2", e.Message);
        Assert.Equal(SaeLoader.Load(Path.Combine(save, "layers.2")).EncoderWeights, Weights(60).WEnc);
    }

    [Fact]
    public void AFolderOfNoKnownFormat_SaysWhichFormatsWereTriedAndWhatEachNeeds()
    {
        var dir = RepoPaths.NewTempDir("not-an-sae");
        File.WriteAllText(Path.Combine(dir, "cfg.json"), "{}");   // a config alone is neither SAELens nor sparsify
        var e = Assert.Throws<FileNotFoundException>(() => SaeLoader.Load(dir));
        Assert.Contains("MLSae run folder (needs sae.onnx)", e.Message);
        Assert.Contains("SAELens folder (needs cfg.json and sae_weights.safetensors)", e.Message);
        Assert.Contains("sparsify folder (needs cfg.json and sae.safetensors", e.Message);
        Assert.True(SparsifyFiles.HookPointFolders(dir).Count == 0);
    }
}
