using MathNet.Numerics;

namespace MLSae.Tests.Transformers;

/// <summary>
/// An independent double-precision GPT-NeoX forward pass in plain loops, written from Hugging
/// Face's modeling_gpt_neox.py (fused per-head q|k|v, rotate_half on the first rotary dims,
/// scores / sqrt(head_dim), causal softmax, exact erf GELU, parallel or sequential residual).
/// Shares no code with the ONNX builder. One unpadded sequence at a time; positions 0..T-1
/// unless positions are given.
/// </summary>
static class ReferenceGptNeoX
{
    public static Dictionary<string, double[][]> Forward(TinyGptNeoX m, int[] tokens, int[]? positions = null,
        string? spliceHook = null, double[][]? spliceValue = null)
    {
        int T = tokens.Length, d = m.D, H = m.Heads, hd = d / H, rot = (int)(hd * m.RotaryPct);
        positions ??= Enumerable.Range(0, T).ToArray();
        var hooks = new Dictionary<string, double[][]>();
        double[][] Hook(string name, double[][] v)
        {
            hooks[name] = v;
            return name == spliceHook ? spliceValue! : v;
        }

        var x = Hook("hook_embed", tokens.Select(t => Row(m.W["gpt_neox.embed_in.weight"], t, d)).ToArray());
        for (int l = 0; l < m.Layers; l++)
        {
            string p = $"gpt_neox.layers.{l}.";
            x = Hook($"blocks.{l}.hook_resid_pre", x);
            var attn = Hook($"blocks.{l}.hook_attn_out", Attention(m, p, LayerNorm(m, p + "input_layernorm", x), positions, H, hd, rot));
            if (m.Parallel)
            {
                var mlp = Hook($"blocks.{l}.hook_mlp_out", Mlp(m, p, LayerNorm(m, p + "post_attention_layernorm", x)));
                x = Hook($"blocks.{l}.hook_resid_post", Add(Add(x, attn), mlp));
            }
            else
            {
                var mid = Hook($"blocks.{l}.hook_resid_mid", Add(x, attn));
                var mlp = Hook($"blocks.{l}.hook_mlp_out", Mlp(m, p, LayerNorm(m, p + "post_attention_layernorm", mid)));
                x = Hook($"blocks.{l}.hook_resid_post", Add(mid, mlp));
            }
        }
        var fin = Hook("ln_final.hook_normalized", LayerNorm(m, "gpt_neox.final_layer_norm", x));
        hooks["logits"] = Linear(fin, m.W["embed_out.weight"], null, m.Vocab, d);
        return hooks;
    }

    static double[][] Attention(TinyGptNeoX m, string p, double[][] a, int[] positions, int H, int hd, int rot)
    {
        int T = a.Length, d = m.D;
        var qkv = Linear(a, m.W[p + "attention.query_key_value.weight"], m.W[p + "attention.query_key_value.bias"], 3 * d, d);
        var z = new double[T][];
        for (int t = 0; t < T; t++) z[t] = new double[d];
        for (int h = 0; h < H; h++)
        {
            // Per head, the fused output holds [q (hd) | k (hd) | v (hd)].
            var q = new double[T][]; var k = new double[T][]; var v = new double[T][];
            for (int t = 0; t < T; t++)
            {
                q[t] = qkv[t][(h * 3 * hd)..(h * 3 * hd + hd)];
                k[t] = qkv[t][(h * 3 * hd + hd)..(h * 3 * hd + 2 * hd)];
                v[t] = qkv[t][(h * 3 * hd + 2 * hd)..(h * 3 * hd + 3 * hd)];
                q[t] = Rope(q[t], positions[t], rot, m.RotaryBase);
                k[t] = Rope(k[t], positions[t], rot, m.RotaryBase);
            }
            for (int t = 0; t < T; t++)
            {
                var s = new double[t + 1];
                double max = double.NegativeInfinity;
                for (int u = 0; u <= t; u++)
                {
                    double dot = 0;
                    for (int j = 0; j < hd; j++) dot += q[t][j] * k[u][j];
                    s[u] = dot / Math.Sqrt(hd);
                    max = Math.Max(max, s[u]);
                }
                double sum = 0;
                for (int u = 0; u <= t; u++) { s[u] = Math.Exp(s[u] - max); sum += s[u]; }
                for (int u = 0; u <= t; u++)
                    for (int j = 0; j < hd; j++) z[t][h * hd + j] += s[u] / sum * v[u][j];
            }
        }
        return Linear(z, m.W[p + "attention.dense.weight"], m.W[p + "attention.dense.bias"], d, d);
    }

    /// <summary>Rotary on the first rot dims: pairs (j, j + rot/2) rotated by pos * base^(-2j/rot).</summary>
    static double[] Rope(double[] x, int pos, int rot, double theta)
    {
        var y = (double[])x.Clone();
        int half = rot / 2;
        for (int j = 0; j < half; j++)
        {
            double angle = pos / Math.Pow(theta, 2.0 * j / rot);
            double c = Math.Cos(angle), s = Math.Sin(angle);
            y[j] = x[j] * c - x[j + half] * s;
            y[j + half] = x[j + half] * c + x[j] * s;
        }
        return y;
    }

    static double[][] Mlp(TinyGptNeoX m, string p, double[][] a)
    {
        var h = Linear(a, m.W[p + "mlp.dense_h_to_4h.weight"], m.W[p + "mlp.dense_h_to_4h.bias"], m.DMlp, m.D);
        foreach (var row in h)
            for (int i = 0; i < row.Length; i++) row[i] = 0.5 * row[i] * (1 + SpecialFunctions.Erf(row[i] / Math.Sqrt(2)));
        return Linear(h, m.W[p + "mlp.dense_4h_to_h.weight"], m.W[p + "mlp.dense_4h_to_h.bias"], m.D, m.DMlp);
    }

    static double[][] LayerNorm(TinyGptNeoX m, string prefix, double[][] x)
    {
        var w = m.W[prefix + ".weight"]; var b = m.W[prefix + ".bias"];
        return x.Select(row =>
        {
            double mean = row.Average();
            double var = row.Select(v => (v - mean) * (v - mean)).Average();
            return row.Select((v, i) => (v - mean) / Math.Sqrt(var + m.Eps) * w[i] + b[i]).ToArray();
        }).ToArray();
    }

    /// <summary>y = x W^T + b with W stored [outDim, inDim] (torch.nn.Linear).</summary>
    static double[][] Linear(double[][] x, float[] w, float[]? b, int outDim, int inDim) =>
        x.Select(row =>
        {
            var y = new double[outDim];
            for (int o = 0; o < outDim; o++)
            {
                double s = b is null ? 0 : b[o];
                for (int i = 0; i < inDim; i++) s += row[i] * w[o * inDim + i];
                y[o] = s;
            }
            return y;
        }).ToArray();

    static double[] Row(float[] w, int r, int d) => Enumerable.Range(0, d).Select(i => (double)w[r * d + i]).ToArray();

    static double[][] Add(double[][] a, double[][] b) => a.Select((r, t) => r.Select((v, i) => v + b[t][i]).ToArray()).ToArray();
}
