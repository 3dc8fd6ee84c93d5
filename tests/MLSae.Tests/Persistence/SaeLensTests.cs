using System.Buffers.Binary;
using System.Text;
using MLSae.Models;
using MLSae.Persistence.SaeLens;
using MLSae.Tests.Scoring;

namespace MLSae.Tests.Persistence;

public class SaeLensTests
{
    // d_in = 2, d_sae = 3, in SAELens layout. Hand-worked below for x = [1, 2].
    static readonly float[] WEnc = [1f, 0f, -1f, 0.5f, 2f, 0f]; // [d_in, d_sae]
    static readonly float[] BEnc = [0.1f, -0.2f, 0f];
    static readonly float[] WDec = [1f, 0f, 0f, 1f, 1f, 1f];    // [d_sae, d_in]
    static readonly float[] BDec = [0.5f, -0.5f];
    static readonly float[] Threshold = [0.2f, 0.5f, 0.1f];
    static readonly float[] X = [1f, 2f];

    /// <summary>Writes a safetensors file byte by byte the way Python's safetensors does (sorted names, F32, "format": "pt", space padding).</summary>
    static void WriteLikePython(string path, params (string Name, long[] Shape, float[] Data)[] tensors)
    {
        var sb = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var t in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            sb.Append($",\"{t.Name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{offset},{offset + t.Data.Length * 4}]}}");
            offset += t.Data.Length * 4;
        }
        sb.Append('}');
        var json = Encoding.UTF8.GetBytes(sb.ToString());
        int padded = (json.Length + 7) / 8 * 8;
        using var fs = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        fs.Write(len);
        fs.Write(json);
        for (int i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
        foreach (var t in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
            foreach (var v in t.Data) fs.Write(BitConverter.GetBytes(v));
    }

    static string Folder(string cfg, bool threshold, bool sparsity)
    {
        var dir = RepoPaths.NewTempDir("saelens");
        File.WriteAllText(Path.Combine(dir, "cfg.json"), cfg);
        var list = new List<(string, long[], float[])> { ("W_enc", [2, 3], WEnc), ("b_enc", [3], BEnc), ("W_dec", [3, 2], WDec), ("b_dec", [2], BDec) };
        if (threshold) list.Add(("threshold", [3], Threshold));
        WriteLikePython(Path.Combine(dir, "sae_weights.safetensors"), list.ToArray());
        if (sparsity) WriteLikePython(Path.Combine(dir, "sparsity.safetensors"), ("sparsity", [3], [-1f, -2f, -10f]));
        return dir;
    }

    static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6, $"[{i}] {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void ReadsSaeLens6JumpReLUFolder()
    {
        const string cfg = """
            {"d_in": 2, "d_sae": 3, "dtype": "float32", "device": "cuda", "apply_b_dec_to_input": true,
             "normalize_activations": "none", "reshape_activations": "none",
             "metadata": {"model_name": "gpt2", "hook_name": "blocks.7.hook_resid_pre", "model_class_name": "HookedTransformer",
               "hook_layer": 7, "hook_head_index": null, "model_from_pretrained_kwargs": {}, "prepend_bos": true,
               "exclude_special_tokens": false, "neuronpedia_id": null, "context_size": 128, "seqpos_slice": [null],
               "dataset_path": "monology/pile-uncopyrighted", "sae_lens_version": "6.5.1", "sae_lens_training_version": "6.5.1"},
             "architecture": "jumprelu"}
            """;
        var w = SaeLensReader.Read(Folder(cfg, threshold: true, sparsity: true));
        Assert.Equal((SaeArchitecture.JumpReLU, SaeActivation.JumpReLU, 2, 3), (w.Architecture, w.Activation, w.InputDim, w.FeatureCount));
        Assert.Equal("gpt2", w.Info.ModelName);
        Assert.Equal("blocks.7.hook_resid_pre", w.Info.HookName);
        // x - b_dec = [0.5, 2.5]; pre = [0.5 + 1.25 + 0.1, 5 - 0.2, -0.5] = [1.85, 4.8, -0.5]; thresholds [0.2, 0.5, 0.1].
        var f = TestSaes.Encode(w, X);
        AssertClose([1.85, 4.8, 0], f);
        AssertClose([1.85 + 0.5, 4.8 - 0.5], TestSaes.Decode(w, f));
        Assert.Equal([0.1f, 0.01f], w.Info.FeatureFrequencies![..2].Select(v => MathF.Round(v, 6)));
        Assert.True(w.Info.FeatureFrequencies[2] < 1e-9);
    }

    [Fact]
    public void ReadsLegacyFlatStandardConfigWithoutBDecOnInput()
    {
        const string cfg = """
            {"architecture": "standard", "d_in": 2, "d_sae": 3, "activation_fn_str": "relu", "apply_b_dec_to_input": false,
             "finetuning_scaling_factor": false, "context_size": 128, "model_name": "gpt2-small", "hook_name": "blocks.8.hook_resid_pre",
             "hook_layer": 8, "hook_head_index": null, "prepend_bos": true, "dataset_path": "Skylion007/openwebtext",
             "dataset_trust_remote_code": true, "normalize_activations": "none", "dtype": "torch.float32", "device": "cuda",
             "sae_lens_training_version": null, "activation_fn_kwargs": {}, "neuronpedia_id": "gpt2-small/8-res-jb",
             "model_from_pretrained_kwargs": {"center_writing_weights": true}, "seqpos_slice": [null]}
            """;
        var w = SaeLensReader.Read(Folder(cfg, threshold: false, sparsity: false));
        Assert.Equal(SaeActivation.ReLU, w.Activation);
        Assert.Equal("gpt2-small", w.Info.ModelName);
        Assert.Null(w.Info.FeatureFrequencies);
        // No b_dec on input: pre = x W_enc + b_enc = [1 + 1 + 0.1, 4 - 0.2, -1].
        AssertClose([2.1, 3.8, 0], TestSaes.Encode(w, X));
    }

    [Fact]
    public void ReadsLegacyTopKConfig()
    {
        const string cfg = """
            {"architecture": "standard", "d_in": 2, "d_sae": 3, "activation_fn_str": "topk", "activation_fn_kwargs": {"k": 1},
             "apply_b_dec_to_input": true, "normalize_activations": "none", "model_name": "m", "hook_name": "h"}
            """;
        var w = SaeLensReader.Read(Folder(cfg, threshold: false, sparsity: false));
        Assert.Equal((SaeActivation.TopK, 1), (w.Activation, w.K));
        AssertClose([0, 4.8, 0], TestSaes.Encode(w, X));
    }

    [Fact]
    public void UnsupportedArchitectureIsNamedWithTheSupportedOnes()
    {
        var dir = Folder("""{"architecture": "gated", "d_in": 2, "d_sae": 3}""", threshold: false, sparsity: false);
        var e = Assert.Throws<NotSupportedException>(() => SaeLensReader.Read(dir));
        Assert.Contains("'gated'", e.Message);
        Assert.Contains("standard, jumprelu, topk", e.Message);
    }

    [Fact]
    public void TruncatedWeightsFileIsAClearError()
    {
        var dir = Folder("""{"architecture": "standard", "d_in": 2, "d_sae": 3}""", threshold: false, sparsity: false);
        var path = Path.Combine(dir, "sae_weights.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^6]);
        var e = Assert.Throws<InvalidDataException>(() => SaeLensReader.Read(dir));
        Assert.Contains("sae_weights.safetensors", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData(SaeActivation.ReLU)]
    [InlineData(SaeActivation.JumpReLU)]
    [InlineData(SaeActivation.TopK)]
    public void WriterRoundTripsThroughReader(SaeActivation activation)
    {
        var freq = Enumerable.Range(0, 40).Select(i => i == 3 ? 0f : 1f / (i + 2)).ToArray();
        var w = TestSaes.Random(activation, info: new SaeInfo
        {
            ModelName = "minilm-l6", HookName = "blocks.3.hook_resid_post", TrainingTokens = 99, FeatureFrequencies = freq,
            OriginalIndices = Enumerable.Range(0, 40).Reverse().ToArray(),
            Permutations = [new PermutationRecord(10, Enumerable.Range(0, 40).Reverse().ToArray(), "every-n")],
        });
        var dir = Path.Combine(RepoPaths.NewTempDir(), "sae");
        SaeLensWriter.Write(w, dir);
        var r = SaeLensReader.Read(dir);
        Assert.Equal(w.EncoderWeights, r.EncoderWeights);
        Assert.Equal(w.EncoderBias, r.EncoderBias);
        Assert.Equal(w.DecoderWeights, r.DecoderWeights);
        Assert.Equal(w.DecoderBias, r.DecoderBias);
        Assert.Equal(w.Thresholds, r.Thresholds);
        Assert.Equal(w.K, r.K);
        Assert.Equal(w.Architecture, r.Architecture);
        Assert.Equal(w.Info.OriginalIndices, r.Info.OriginalIndices);
        Assert.Equal(10, Assert.Single(r.Info.Permutations).Step);
        for (int i = 0; i < freq.Length; i++) Assert.True(Math.Abs(freq[i] - r.Info.FeatureFrequencies![i]) <= 1e-6 * Math.Max(freq[i], 1e-3));
        var cfg = File.ReadAllText(Path.Combine(dir, "cfg.json"));
        Assert.Contains("\"hook_layer\": 3", cfg);
        Assert.Contains("\"d_sae\": 40", cfg);
    }
}
