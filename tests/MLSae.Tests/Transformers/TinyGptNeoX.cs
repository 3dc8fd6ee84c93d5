using System.Globalization;
using System.Text;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Tests.Transformers;

/// <summary>
/// A tiny GPT-NeoX checkpoint with Pythia's structure and random weights (fixed seed), held in
/// memory for the reference forward and written as a Hugging Face folder for the importer.
/// </summary>
sealed class TinyGptNeoX
{
    public int Layers = 2, D = 64, Heads = 4, DMlp = 256, Vocab = 100;
    public double RotaryPct = 0.25, RotaryBase = 10000, Eps = 1e-5;
    public bool Parallel = true;
    public string Architecture = "GPTNeoXForCausalLM";
    public readonly Dictionary<string, float[]> W = new(StringComparer.Ordinal);
    public readonly Dictionary<string, long[]> Shapes = new(StringComparer.Ordinal);

    public static TinyGptNeoX Create(bool parallel = true, int seed = 1234, Action<TinyGptNeoX>? configure = null)
    {
        var m = new TinyGptNeoX { Parallel = parallel };
        configure?.Invoke(m);
        var rng = new Random(seed);
        int d = m.D;
        m.Add(rng, "gpt_neox.embed_in.weight", 1.0, [m.Vocab, d]);
        for (int l = 0; l < m.Layers; l++)
        {
            string p = $"gpt_neox.layers.{l}.";
            m.AddNorm(rng, p + "input_layernorm", d);
            m.AddNorm(rng, p + "post_attention_layernorm", d);
            m.Add(rng, p + "attention.query_key_value.weight", 1.0 / Math.Sqrt(d), [3 * d, d]);
            m.Add(rng, p + "attention.query_key_value.bias", 0.1, [3 * d]);
            m.Add(rng, p + "attention.dense.weight", 1.0 / Math.Sqrt(d), [d, d]);
            m.Add(rng, p + "attention.dense.bias", 0.1, [d]);
            m.Add(rng, p + "mlp.dense_h_to_4h.weight", 1.0 / Math.Sqrt(d), [m.DMlp, d]);
            m.Add(rng, p + "mlp.dense_h_to_4h.bias", 0.1, [m.DMlp]);
            m.Add(rng, p + "mlp.dense_4h_to_h.weight", 1.0 / Math.Sqrt(m.DMlp), [d, m.DMlp]);
            m.Add(rng, p + "mlp.dense_4h_to_h.bias", 0.1, [d]);
        }
        m.AddNorm(rng, "gpt_neox.final_layer_norm", d);
        m.Add(rng, "embed_out.weight", 1.0 / Math.Sqrt(d), [m.Vocab, d]);
        return m;
    }

    void AddNorm(Random rng, string prefix, int d)
    {
        W[prefix + ".weight"] = Enumerable.Range(0, d).Select(_ => (float)(1 + 0.2 * (rng.NextDouble() - 0.5))).ToArray();
        Shapes[prefix + ".weight"] = [d];
        Add(rng, prefix + ".bias", 0.1, [d]);
    }

    void Add(Random rng, string name, double std, long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        // Uniform with the given standard deviation.
        W[name] = Enumerable.Range(0, (int)n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * std * Math.Sqrt(3))).ToArray();
        Shapes[name] = shape;
    }

    /// <summary>The weights as stored in <paramref name="dtype"/> and read back (what the importer sees).</summary>
    public TinyGptNeoX Rounded(SafeTensorDType dtype)
    {
        var copy = new TinyGptNeoX { Layers = Layers, D = D, Heads = Heads, DMlp = DMlp, Vocab = Vocab, RotaryPct = RotaryPct, RotaryBase = RotaryBase, Eps = Eps, Parallel = Parallel };
        foreach (var (k, v) in W)
        {
            copy.W[k] = dtype switch
            {
                SafeTensorDType.F16 => v.Select(x => (float)(Half)x).ToArray(),
                SafeTensorDType.BF16 => v.Select(x => BitConverter.Int32BitsToSingle((int)((BitConverter.SingleToUInt32Bits(x) + 0x7FFF + ((BitConverter.SingleToUInt32Bits(x) >> 16) & 1)) & 0xFFFF0000u))).ToArray(),
                _ => v.ToArray(),
            };
            copy.Shapes[k] = Shapes[k];
        }
        return copy;
    }

    public string ConfigJson() => string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "architectures": ["{{Architecture}}"],
          "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu",
          "hidden_size": {{D}}, "initializer_range": 0.02, "intermediate_size": {{DMlp}},
          "layer_norm_eps": {{Eps}}, "max_position_embeddings": 2048, "model_type": "gpt_neox",
          "num_attention_heads": {{Heads}}, "num_hidden_layers": {{Layers}},
          "rotary_emb_base": {{RotaryBase}}, "rotary_pct": {{RotaryPct}},
          "tie_word_embeddings": false, "torch_dtype": "float16", "transformers_version": "4.24.0",
          "use_cache": true, "use_parallel_residual": {{(Parallel ? "true" : "false")}}, "vocab_size": {{Vocab}}
        }
        """);

    /// <summary>Writes config.json, model.safetensors (or two shards + index) and tokenizer.json; returns the folder.</summary>
    public string Write(string dir, SafeTensorDType dtype = SafeTensorDType.F32, bool sharded = false, int tokenizerSize = 98, IEnumerable<string>? skip = null)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), ConfigJson());
        var names = W.Keys.Where(k => skip is null || !skip.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (!sharded)
        {
            var w = new SafeTensorsWriter().AddMetadata("format", "pt");
            foreach (var n in names) w.Add(n, W[n], Shapes[n], dtype);
            w.Save(Path.Combine(dir, "model.safetensors"));
        }
        else
        {
            var map = new StringBuilder("{\"metadata\":{\"total_size\":0},\"weight_map\":{");
            var shards = new[] { new SafeTensorsWriter(), new SafeTensorsWriter() };
            for (int i = 0; i < names.Count; i++)
            {
                int s = i % 2;
                shards[s].Add(names[i], W[names[i]], Shapes[names[i]], dtype);
                map.Append(i > 0 ? "," : "").Append($"\"{names[i]}\":\"model-0000{s + 1}-of-00002.safetensors\"");
            }
            shards[0].Save(Path.Combine(dir, "model-00001-of-00002.safetensors"));
            shards[1].Save(Path.Combine(dir, "model-00002-of-00002.safetensors"));
            File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), map.Append("}}").ToString());
        }
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), TokenizerJson(tokenizerSize));
        return dir;
    }

    /// <summary>A byte-level BPE tokenizer.json shaped like Pythia's, with ids 0..size-1.</summary>
    public static string TokenizerJson(int size)
    {
        var vocab = new List<string> { "<|endoftext|>" };
        for (char ch = '!'; ch <= '~' && vocab.Count < size - 3; ch++) vocab.Add(ch.ToString());
        vocab.Add("Ġ"); vocab.Add("Ġt"); vocab.Add("he");
        while (vocab.Count < size) vocab.Add("tok" + vocab.Count);
        static string Esc(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
        var entries = string.Join(",", vocab.Select((t, i) => $"\"{Esc(t)}\":{i}"));
        return """
            {"version":"1.0","truncation":null,"padding":null,
             "added_tokens":[{"id":0,"content":"<|endoftext|>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
             "normalizer":{"type":"NFC"},
             "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},
             "post_processor":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},
             "decoder":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},
             "model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,"end_of_word_suffix":null,"fuse_unk":false,"byte_fallback":false,
               "vocab":{
            """ + entries + """
            },
               "merges":["Ġ t","h e"]}}
            """;
    }
}
