using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLSae.Evaluation;
using MLSae.Evaluation.Preservation;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Persistence.SafeTensors;
using MLSae.Transformers.GptNeoX;
using Onnx;

namespace MLSae.Benchmarks.Evaluation;

/// <summary>
/// Downstream preservation on a Pythia-70M-shaped GPT-NeoX (random float16 weights, the real config:
/// 6 layers, d = 512, vocabulary 50,304), one batch of <see cref="Contexts"/> x 128 tokens, SAE
/// (ReLU, m = 4096) spliced at blocks.2.hook_resid_post. Forward: three separate models (original,
/// SAE-spliced, zero-ablated; baseline) against one branched model whose layers 0-2 run once.
/// Comparison of the logits (two KLs and three CEs per position, 50,304 entries each): the
/// <see cref="PreservationScores"/> functions one by one, the fused kernel, and the fused kernel
/// over positions in parallel (what the evaluator runs).
/// </summary>
public class DownstreamPreservationBenchmarks
{
    const int D = 512, DMlp = 2048, Vocab = 50304, Layers = 6, T = 128;
    const string Hook = "blocks.2.hook_resid_post", Mask = "sae_mask";

    [Params(2)]
    public int Contexts { get; set; }

    InferenceSession _original = null!, _sae = null!, _ablation = null!, _branched = null!;
    long[] _ids = [], _ones = [], _saeMask = [];
    float[][] _logits = [];
    string _dir = "";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"mlsae-bench-pythia70m-{Guid.NewGuid():N}");
        WriteCheckpoint(_dir);
        ModelProto plain;
        using (var checkpoint = GptNeoXCheckpoint.Load(_dir))
            plain = GptNeoXOnnxBuilder.Build(checkpoint, new GptNeoXBuildOptions { Hooks = [], IncludeLogits = true });
        var rng = new Random(2);
        float[] R(long n, double s) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * s); return a; }
        const int m = 4096;
        var sae = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, D, m, R((long)m * D, 0.05), Enumerable.Repeat(-0.2f, m).ToArray(), R((long)m * D, 0.05), R(D, 0.1));
        var cpu = new OnnxExecutionOptions { PreferCuda = false };
        var maskOption = new SaeSpliceOptions { ReconstructMaskInput = Mask };
        _original = OnnxSessionFactory.Create(plain.ToByteArray(), cpu);
        _sae = OnnxSessionFactory.Create(SaeGraphSplice.SpliceSae(plain, Hook, sae, maskOption).ToByteArray(), cpu);
        _ablation = OnnxSessionFactory.Create(SaeGraphSplice.ZeroAblate(plain, Hook).ToByteArray(), cpu);
        _branched = OnnxSessionFactory.Create(SaeGraphSplice.Branches(plain, Hook, sae,
            [new(".sae", HookReplacement.SaeReconstruction), new(".ablation", HookReplacement.Zeros)], maskOption).ToByteArray(), cpu);
        int n = Contexts * T;
        _ids = Enumerable.Range(0, n).Select(_ => (long)rng.Next(1, 50000)).ToArray();
        _ones = Enumerable.Repeat(1L, n).ToArray();
        _saeMask = Enumerable.Range(0, n).Select(i => i % T == 0 ? 0L : 1L).ToArray();   // BOS keeps its activation
        _logits = [new float[(long)n * Vocab], new float[(long)n * Vocab], new float[(long)n * Vocab]];
        Branched();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var s in new[] { _original, _sae, _ablation, _branched }) s?.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Benchmark(Baseline = true)]
    public int ThreeModels()
    {
        Run(_original, [], ["logits"], [_logits[0]]);
        Run(_sae, [Mask], ["logits"], [_logits[1]]);
        Run(_ablation, [], ["logits"], [_logits[2]]);
        return _logits.Length;
    }

    [Benchmark]
    public int Branched()
    {
        Run(_branched, [Mask], ["logits", "logits.sae", "logits.ablation"], _logits);
        return _logits.Length;
    }

    [Benchmark]
    public double CompareWithPreservationScores()
    {
        double sum = 0;
        for (int p = 0; p < Contexts * T - 1; p++)
        {
            var o = Row(0, p); var s = Row(1, p); var a = Row(2, p);
            int target = (int)_ids[p + 1];
            sum += PreservationScores.KlDivergence(o, s) + PreservationScores.KlDivergence(o, a)
                + PreservationScores.CrossEntropy(o, target) + PreservationScores.CrossEntropy(s, target) + PreservationScores.CrossEntropy(a, target);
        }
        return sum;
    }

    [Benchmark]
    public double CompareFused()
    {
        double sum = 0;
        for (int p = 0; p < Contexts * T - 1; p++)
        {
            var r = LogitComparison.Compare(Row(0, p), Row(1, p), Row(2, p), (int)_ids[p + 1]);
            sum += r.KlSae + r.KlAblation + r.CeOriginal + r.CeSae + r.CeAblation;
        }
        return sum;
    }

    [Benchmark]
    public double CompareFusedParallel()
    {
        var results = new TokenComparison[Contexts * T - 1];
        Parallel.For(0, results.Length, p =>
        {
            results[p] = LogitComparison.Compare(Row(0, p), Row(1, p), Row(2, p), (int)_ids[p + 1]);
        });
        return results.Sum(r => r.KlSae + r.KlAblation);
    }

    ReadOnlySpan<float> Row(int k, int p) => _logits[k].AsSpan(p * Vocab, Vocab);

    void Run(InferenceSession session, string[] extraInputs, string[] outputs, float[][] buffers)
    {
        int n = Contexts * T;
        long[] shape = [Contexts, T];
        var names = new List<string> { "input_ids", "attention_mask" };
        names.AddRange(extraInputs);
        var inputs = names.Select(name => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            (name switch { "input_ids" => _ids, Mask => _saeMask, _ => _ones }).AsMemory(0, n), shape)).ToArray();
        var outs = buffers.Select(b => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, b.AsMemory(0, n * Vocab), [Contexts, T, Vocab])).ToArray();
        try
        {
            using var ro = new RunOptions();
            session.Run(ro, names, inputs, outputs, outs);
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
            foreach (var v in outs) v.Dispose();
        }
    }

    /// <summary>Pythia-70M's config.json with random float16 weights and a byte-level tokenizer.json.</summary>
    static void WriteCheckpoint(string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), """
            {"architectures": ["GPTNeoXForCausalLM"], "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu",
             "hidden_size": 512, "initializer_range": 0.02, "intermediate_size": 2048, "layer_norm_eps": 1e-05,
             "max_position_embeddings": 2048, "model_type": "gpt_neox", "num_attention_heads": 8,
             "num_hidden_layers": 6, "rotary_emb_base": 10000, "rotary_pct": 0.25, "tie_word_embeddings": false,
             "torch_dtype": "float16", "transformers_version": "4.24.0", "use_cache": true,
             "use_parallel_residual": true, "vocab_size": 50304}
            """);
        var rng = new Random(70);
        float[] R(long n, double scale, double offset = 0) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)(offset + (rng.NextDouble() - 0.5) * scale); return a; }
        const SafeTensorDType F16 = SafeTensorDType.F16;
        var w = new SafeTensorsWriter();
        w.Add("gpt_neox.embed_in.weight", R((long)Vocab * D, 0.1), [Vocab, D], F16);
        w.Add("embed_out.weight", R((long)Vocab * D, 0.1), [Vocab, D], F16);
        w.Add("gpt_neox.final_layer_norm.weight", R(D, 0.1, 1), [D], F16);
        w.Add("gpt_neox.final_layer_norm.bias", R(D, 0.1), [D], F16);
        for (int l = 0; l < Layers; l++)
        {
            string p = $"gpt_neox.layers.{l}.";
            foreach (var ln in new[] { "input_layernorm", "post_attention_layernorm" })
            {
                w.Add(p + ln + ".weight", R(D, 0.1, 1), [D], F16);
                w.Add(p + ln + ".bias", R(D, 0.1), [D], F16);
            }
            w.Add(p + "attention.query_key_value.weight", R(3L * D * D, 0.1), [3 * D, D], F16);
            w.Add(p + "attention.query_key_value.bias", R(3 * D, 0.1), [3 * D], F16);
            w.Add(p + "attention.dense.weight", R((long)D * D, 0.1), [D, D], F16);
            w.Add(p + "attention.dense.bias", R(D, 0.1), [D], F16);
            w.Add(p + "mlp.dense_h_to_4h.weight", R((long)DMlp * D, 0.1), [DMlp, D], F16);
            w.Add(p + "mlp.dense_h_to_4h.bias", R(DMlp, 0.1), [DMlp], F16);
            w.Add(p + "mlp.dense_4h_to_h.weight", R((long)D * DMlp, 0.1), [D, DMlp], F16);
            w.Add(p + "mlp.dense_4h_to_h.bias", R(D, 0.1), [D], F16);
        }
        w.Save(Path.Combine(dir, "model.safetensors"));
    }
}
