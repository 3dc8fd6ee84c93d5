using MLSae.Persistence.SafeTensors;
using MLSae.Transformers.GptNeoX;

namespace MLSae.Tests.Transformers;

public class Pythia70MShapeTests
{
    /// <summary>The real Pythia-70M config.json (EleutherAI/pythia-70m), verbatim apart from whitespace.</summary>
    const string Pythia70MConfig = """
        {"architectures": ["GPTNeoXForCausalLM"], "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu",
         "hidden_size": 512, "initializer_range": 0.02, "intermediate_size": 2048, "layer_norm_eps": 1e-05,
         "max_position_embeddings": 2048, "model_type": "gpt_neox", "num_attention_heads": 8,
         "num_hidden_layers": 6, "rotary_emb_base": 10000, "rotary_pct": 0.25, "tie_word_embeddings": false,
         "torch_dtype": "float16", "transformers_version": "4.24.0", "use_cache": true,
         "use_parallel_residual": true, "vocab_size": 50304}
        """;

    [Fact]
    public void ConfigParsesToThePythia70MShape()
    {
        var c = GptNeoXConfig.Parse(Pythia70MConfig);
        Assert.Equal(GptNeoXConfig.Pythia70M, c);
        Assert.Equal(64, c.HeadDim);
        Assert.Equal(16, c.RotaryDims);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void RandomPythia70MBuildsAGraphWithTheRightShapes()
    {
        var dir = RepoPaths.NewTempDir();
        File.WriteAllText(Path.Combine(dir, "config.json"), Pythia70MConfig);
        const int d = 512, dMlp = 2048, vocab = 50304;
        var rng = new Random(70);
        float[] R(long n, double scale) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() - 0.5) * scale); return a; }
        var w = new SafeTensorsWriter();
        w.Add("gpt_neox.embed_in.weight", R((long)vocab * d, 0.1), [vocab, d], SafeTensorDType.F16);
        w.Add("embed_out.weight", R((long)vocab * d, 0.1), [vocab, d], SafeTensorDType.F16);
        w.Add("gpt_neox.final_layer_norm.weight", R(d, 0.1).Select(x => x + 1).ToArray(), [d], SafeTensorDType.F16);
        w.Add("gpt_neox.final_layer_norm.bias", R(d, 0.1), [d], SafeTensorDType.F16);
        for (int l = 0; l < 6; l++)
        {
            string p = $"gpt_neox.layers.{l}.";
            foreach (var ln in new[] { "input_layernorm", "post_attention_layernorm" })
            {
                w.Add(p + ln + ".weight", R(d, 0.1).Select(x => x + 1).ToArray(), [d], SafeTensorDType.F16);
                w.Add(p + ln + ".bias", R(d, 0.1), [d], SafeTensorDType.F16);
            }
            w.Add(p + "attention.query_key_value.weight", R(3L * d * d, 0.1), [3 * d, d], SafeTensorDType.F16);
            w.Add(p + "attention.query_key_value.bias", R(3 * d, 0.1), [3 * d], SafeTensorDType.F16);
            w.Add(p + "attention.dense.weight", R((long)d * d, 0.1), [d, d], SafeTensorDType.F16);
            w.Add(p + "attention.dense.bias", R(d, 0.1), [d], SafeTensorDType.F16);
            w.Add(p + "mlp.dense_h_to_4h.weight", R((long)dMlp * d, 0.1), [dMlp, d], SafeTensorDType.F16);
            w.Add(p + "mlp.dense_h_to_4h.bias", R(dMlp, 0.1), [dMlp], SafeTensorDType.F16);
            w.Add(p + "mlp.dense_4h_to_h.weight", R((long)d * dMlp, 0.1), [d, dMlp], SafeTensorDType.F16);
            w.Add(p + "mlp.dense_4h_to_h.bias", R(d, 0.1), [d], SafeTensorDType.F16);
            // Old Pythia checkpoints also carry these buffers; the importer must ignore them.
            w.Add(p + "attention.rotary_emb.inv_freq", R(8, 1), [8], SafeTensorDType.F16);
        }
        w.Save(Path.Combine(dir, "model.safetensors"));

        var onnx = Path.Combine(dir, "pythia-70m.onnx");
        try
        {
            BuildAndCheck(dir, onnx);
        }
        finally
        {
            Directory.Delete(dir, recursive: true); // ~420 MB of files
        }
    }

    static void BuildAndCheck(string dir, string onnx)
    {
        const int d = 512, vocab = 50304;
        GptNeoXOnnxBuilder.BuildFile(dir, onnx);
        using var session = NeoXTestRun.Session(File.ReadAllBytes(onnx));
        Assert.Equal(GptNeoXHooks.All(GptNeoXConfig.Pythia70M).Count, session.OutputMetadata.Count);
        Assert.Equal([-1, -1, vocab], session.OutputMetadata["logits"].Dimensions);
        Assert.Equal([-1, -1, d], session.OutputMetadata["blocks.5.hook_resid_post"].Dimensions);

        var outputs = NeoXTestRun.Run(session, [[1, 2, 3, 4], [5, 6]]);
        Assert.Equal([2, 4, vocab], outputs["logits"].Dims);
        Assert.Equal([2, 4, d], outputs["blocks.3.hook_resid_post"].Dims);
        Assert.All(outputs["logits"].Data, v => Assert.True(float.IsFinite(v)));
    }
}
