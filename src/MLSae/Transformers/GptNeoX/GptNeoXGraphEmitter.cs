using System.Runtime.InteropServices;
using Google.Protobuf;
using MLSae.Diagnostics;
using MLSae.Onnx;
using Onnx;
using DT = Onnx.TensorProto.Types.DataType;

namespace MLSae.Transformers.GptNeoX;

public static partial class GptNeoXOnnxBuilder
{
    /// <summary>Emits the nodes; one instance per build.</summary>
    sealed class GraphEmitter(OnnxGraphBuilder builder, GptNeoXCheckpoint checkpoint, GptNeoXBuildOptions options)
    {
        public OnnxGraphBuilder B { get; } = builder;
        readonly GptNeoXConfig _c = checkpoint.Config;
        string _cos = "", _sin = "", _allowed = "";

        public void Emit(int lastLayer, IProgress<ProgressInfo>? progress)
        {
            int d = _c.HiddenSize;
            B.AddInput("input_ids", DT.Int64, "batch", "tokens");
            B.AddInput("attention_mask", DT.Int64, "batch", "tokens");
            if (options.SpliceHook is { } s)
                B.AddInput(s + GptNeoXHooks.SpliceSuffix, DT.Float, "batch", "tokens", d);

            var embed = checkpoint.Read("gpt_neox.embed_in.weight", _c.VocabSize, d);
            AddFloat("gpt_neox.embed_in.weight", embed, _c.VocabSize, d);
            var x = Hook(GptNeoXHooks.Embed, B.Node("Gather", ["gpt_neox.embed_in.weight", "input_ids"], "embed_gather", ("axis", 0L)));
            EmitPositionsAndMask();

            int layers = Math.Min(lastLayer, _c.NumLayers - 1);
            for (int l = 0; l <= layers; l++)
            {
                x = Layer(l, Hook(GptNeoXHooks.ResidPre(l), x));
                progress?.Report(new ProgressInfo(l + 1, _c.NumLayers + 1, "layers", $"layer {l}"));
            }
            if (lastLayer < _c.NumLayers) return;

            var ln = LayerNorm("gpt_neox.final_layer_norm", x);
            var normalized = Hook(GptNeoXHooks.FinalNormalized, ln);
            var unembedName = _c.TieWordEmbeddings ? "gpt_neox.embed_in.weight" : "embed_out.weight";
            var unembed = _c.TieWordEmbeddings ? embed : checkpoint.Read("embed_out.weight", _c.VocabSize, d);
            AddFloat(unembedName + ".T", Transpose(unembed, _c.VocabSize, d), d, _c.VocabSize);
            B.Node("MatMul", [normalized, unembedName + ".T"], GptNeoXHooks.Logits);
            progress?.Report(new ProgressInfo(_c.NumLayers + 1, _c.NumLayers + 1, "layers", "unembedding"));
        }

        /// <summary>Names the computed tensor as the hook and returns what downstream nodes read: the splice input when spliced.</summary>
        string Hook(string hook, string computed)
        {
            B.Node("Identity", [computed], hook);
            return hook == options.SpliceHook ? hook + GptNeoXHooks.SpliceSuffix : hook;
        }

        string Layer(int l, string resid)
        {
            string p = $"gpt_neox.layers.{l}.";
            var attn = Hook(GptNeoXHooks.AttnOut(l), Attention(p, LayerNorm(p + "input_layernorm", resid)));
            if (_c.UseParallelResidual)
            {
                var mlp = Hook(GptNeoXHooks.MlpOut(l), Mlp(p, LayerNorm(p + "post_attention_layernorm", resid)));
                // Hugging Face: mlp_output + attn_output + hidden_states.
                var sum = B.Node("Add", [mlp, attn], B.UniqueName("resid_add"));
                return Hook(GptNeoXHooks.ResidPost(l), B.Node("Add", [sum, resid], B.UniqueName("resid_add")));
            }
            var mid = Hook(GptNeoXHooks.ResidMid(l), B.Node("Add", [attn, resid], B.UniqueName("resid_add")));
            var mlpSeq = Hook(GptNeoXHooks.MlpOut(l), Mlp(p, LayerNorm(p + "post_attention_layernorm", mid)));
            return Hook(GptNeoXHooks.ResidPost(l), B.Node("Add", [mlpSeq, mid], B.UniqueName("resid_add")));
        }

        string LayerNorm(string prefix, string x)
        {
            int d = _c.HiddenSize;
            AddFloat(prefix + ".weight", checkpoint.Read(prefix + ".weight", d), d);
            AddFloat(prefix + ".bias", checkpoint.Read(prefix + ".bias", d), d);
            return B.Node("LayerNormalization", [x, prefix + ".weight", prefix + ".bias"], B.UniqueName(prefix),
                ("axis", -1L), ("epsilon", (float)_c.LayerNormEps));
        }

        /// <summary>x @ W^T + b for a Hugging Face Linear weight [out, in].</summary>
        string Linear(string prefix, string x, int inDim, int outDim, bool bias = true)
        {
            var w = checkpoint.Read(prefix + ".weight", outDim, inDim);
            AddFloat(prefix + ".weight.T", Transpose(w, outDim, inDim), inDim, outDim);
            var y = B.Node("MatMul", [x, prefix + ".weight.T"], B.UniqueName(prefix + ".matmul"));
            if (!bias) return y;
            AddFloat(prefix + ".bias", checkpoint.Read(prefix + ".bias", outDim), outDim);
            return B.Node("Add", [y, prefix + ".bias"], B.UniqueName(prefix + ".out"));
        }

        string Mlp(string p, string x)
        {
            var h = Linear(p + "mlp.dense_h_to_4h", x, _c.HiddenSize, _c.IntermediateSize);
            return Linear(p + "mlp.dense_4h_to_h", Gelu(h), _c.IntermediateSize, _c.HiddenSize);
        }

        string Gelu(string x)
        {
            var half = Scalar("half", 0.5f);
            var one = Scalar("one", 1f);
            string inner;
            if (_c.HiddenAct == "gelu")
            {
                // Exact GELU: 0.5 x (1 + erf(x / sqrt 2)) (PyTorch's default, used by Pythia). ORT fuses this pattern.
                var scaled = B.Node("Div", [x, Scalar("sqrt2", MathF.Sqrt(2f))], B.UniqueName("gelu_div"));
                inner = B.Node("Erf", [scaled], B.UniqueName("gelu_erf"));
            }
            else
            {
                // Tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
                var x3 = B.Node("Mul", [B.Node("Mul", [x, x], B.UniqueName("gelu_x2")), x], B.UniqueName("gelu_x3"));
                var poly = B.Node("Add", [x, B.Node("Mul", [x3, Scalar("gelu_c", 0.044715f)], B.UniqueName("gelu_cx3"))], B.UniqueName("gelu_poly"));
                inner = B.Node("Tanh", [B.Node("Mul", [poly, Scalar("gelu_k", MathF.Sqrt(2f / MathF.PI))], B.UniqueName("gelu_kpoly"))], B.UniqueName("gelu_tanh"));
            }
            var onePlus = B.Node("Add", [inner, one], B.UniqueName("gelu_1p"));
            return B.Node("Mul", [B.Node("Mul", [x, half], B.UniqueName("gelu_halfx")), onePlus], B.UniqueName("gelu"));
        }

        // ---- shared tensors ------------------------------------------------------------------

        readonly HashSet<string> _scalars = [];

        string Scalar(string name, float value)
        {
            name = "const_" + name;
            if (_scalars.Add(name)) B.AddInitializer(name, [value]);
            return name;
        }

        string Ints(string name, params long[] values)
        {
            name = "const_" + name;
            if (_scalars.Add(name)) B.AddInitializer(name, values, values.Length);
            return name;
        }

        /// <summary>Adds a float initializer without copying the bytes again (the model is hundreds of MB).</summary>
        void AddFloat(string name, float[] values, params long[] dims)
        {
            var bytes = new byte[values.Length * sizeof(float)];
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
            var t = new TensorProto { Name = name, DataType = (int)DT.Float, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
            t.Dims.AddRange(dims);
            B.Graph.Initializer.Add(t);
        }

        static float[] Transpose(float[] w, int rows, int cols)
        {
            var t = new float[w.Length];
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < cols; k++)
                    t[(long)k * rows + r] = w[(long)r * cols + k];
            return t;
        }

        /// <summary>Rotary cos/sin [batch|1, 1, tokens, rotary_dims] and the attention mask [batch, 1, tokens, tokens], shared by all layers.</summary>
        void EmitPositionsAndMask()
        {
            var shape = B.Node("Shape", ["input_ids"], "input_shape");
            var tokens = B.Node("Gather", [shape, Ints("one_scalar_idx", 1)], "tokens_1d", ("axis", 0L));
            var tokensScalar = B.Node("Squeeze", [tokens, Ints("axes0", 0)], "tokens_scalar");
            B.AddInitializer("const_zero_i", [0L]);
            B.AddInitializer("const_one_i", [1L]);
            var range = B.Node("Range", ["const_zero_i", tokensScalar, "const_one_i"], "positions_arange"); // [T]

            string pos; // float [B or 1, T]
            if (options.Positions == GptNeoXPositions.Arange)
                pos = B.Node("Unsqueeze", [B.Node("Cast", [range], "positions_f", ("to", (long)DT.Float)), Ints("axes0", 0)], "positions");
            else
            {
                var cum = B.Node("CumSum", ["attention_mask", "const_one_i"], "mask_cumsum");
                var minus = B.Node("Sub", [cum, Ints("one_vec", 1)], "mask_cumsum_m1");
                var clamped = B.Node("Max", [minus, Ints("zero_vec", 0)], "positions_i");
                pos = B.Node("Cast", [clamped], "positions", ("to", (long)DT.Float));
            }

            int rot = _c.RotaryDims;
            if (rot > 0)
            {
                var invFreq = new float[rot / 2];
                // inv_freq = 1 / base^(arange(0, rot, 2) / rot), computed in float32 like PyTorch.
                for (int i = 0; i < invFreq.Length; i++)
                    invFreq[i] = (float)(1.0 / Math.Pow(_c.RotaryBase, (float)(2 * i) / rot));
                AddFloat("rotary_inv_freq", invFreq, rot / 2);
                var freqs = B.Node("Mul", [B.Node("Unsqueeze", [pos, Ints("axes2", 2)], "positions_3d"), "rotary_inv_freq"], "rotary_freqs");
                var emb = B.Node("Concat", [freqs, freqs], "rotary_emb", ("axis", -1L));
                _cos = B.Node("Unsqueeze", [B.Node("Cos", [emb], "rotary_cos_3d"), Ints("axes1", 1)], "rotary_cos");
                _sin = B.Node("Unsqueeze", [B.Node("Sin", [emb], "rotary_sin_3d"), Ints("axes1", 1)], "rotary_sin");
            }

            // allowed[b, 0, i, j] = j <= i and attention_mask[b, j] != 0.
            var keys = B.Node("Unsqueeze", [range, Ints("axes0", 0)], "mask_keys");     // [1, T]
            var queries = B.Node("Unsqueeze", [range, Ints("axes1", 1)], "mask_queries"); // [T, 1]
            var causal = B.Node("LessOrEqual", [keys, queries], "mask_causal");          // [T, T]
            var padding = B.Node("Unsqueeze", [B.Node("Cast", ["attention_mask"], "mask_bool", ("to", (long)DT.Bool)), Ints("axes12", 1, 2)], "mask_padding");
            _allowed = B.Node("And", [causal, padding], "mask_allowed");
            B.AddInitializer("const_mask_min", [float.MinValue]); // torch.finfo(float32).min, as Hugging Face uses
        }

        string Attention(string p, string x)
        {
            int d = _c.HiddenSize, h = _c.NumHeads, hd = _c.HeadDim, rot = _c.RotaryDims;
            var qkv = Linear(p + "attention.query_key_value", x, d, 3 * d, _c.AttentionBias);
            // Hugging Face views the fused projection as [batch, tokens, heads, 3 * head_dim]: per head q|k|v.
            var perHead = B.Node("Reshape", [qkv, Ints($"shape_qkv", 0, 0, h, 3 * hd)], B.UniqueName("qkv_heads"));
            var bhtd = B.Node("Transpose", [perHead], B.UniqueName("qkv_bhtd"), ("perm", new long[] { 0, 2, 1, 3 }));
            string q = B.UniqueName("q"), k = B.UniqueName("k"), v = B.UniqueName("v");
            B.Nodes("Split", [bhtd, Ints("split_qkv", hd, hd, hd)], [q, k, v], ("axis", -1L));
            q = Rotary(q); k = Rotary(k);

            var kT = B.Node("Transpose", [k], B.UniqueName("kT"), ("perm", new long[] { 0, 1, 3, 2 }));
            var scores = B.Node("Mul", [B.Node("MatMul", [q, kT], B.UniqueName("qk")), Scalar("attn_scale", 1f / MathF.Sqrt(hd))], B.UniqueName("scores"));
            var masked = B.Node("Where", [_allowed, scores, "const_mask_min"], B.UniqueName("scores_masked"));
            var probs = B.Node("Softmax", [masked], B.UniqueName("attn_probs"), ("axis", -1L));
            var z = B.Node("MatMul", [probs, v], B.UniqueName("z"));
            var zt = B.Node("Transpose", [z], B.UniqueName("z_bthd"), ("perm", new long[] { 0, 2, 1, 3 }));
            var merged = B.Node("Reshape", [zt, Ints("shape_merge", 0, 0, d)], B.UniqueName("z_merged"));
            return Linear(p + "attention.dense", merged, d, d, _c.AttentionBias);

            string Rotary(string t)
            {
                if (rot == 0) return t;
                string tRot = t, tPass = "";
                if (rot < hd)
                {
                    tRot = B.UniqueName(t + "_rot"); tPass = B.UniqueName(t + "_pass");
                    B.Nodes("Split", [t, Ints("split_rot", rot, hd - rot)], [tRot, tPass], ("axis", -1L));
                }
                string x1 = B.UniqueName(t + "_x1"), x2 = B.UniqueName(t + "_x2");
                B.Nodes("Split", [tRot, Ints("split_half", rot / 2, rot / 2)], [x1, x2], ("axis", -1L));
                // rotate_half(x) = cat(-x2, x1); x * cos + rotate_half(x) * sin.
                var rotated = B.Node("Concat", [B.Node("Neg", [x2], B.UniqueName(t + "_negx2")), x1], B.UniqueName(t + "_rothalf"), ("axis", -1L));
                var embedded = B.Node("Add", [B.Node("Mul", [tRot, _cos], B.UniqueName(t + "_cos")), B.Node("Mul", [rotated, _sin], B.UniqueName(t + "_sin"))], B.UniqueName(t + "_rope"));
                return rot < hd ? B.Node("Concat", [embedded, tPass], B.UniqueName(t + "_full"), ("axis", -1L)) : embedded;
            }
        }
    }
}
