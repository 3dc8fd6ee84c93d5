using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using MLSae.Activations;
using MLSae.Models;
using Onnx;

namespace MLSae.Browsing;

/// <summary>A causal LM's unembedding as its ONNX graph stores it: W_U [d, vocab], row-major (the MatMul's second input).</summary>
/// <param name="Weights">d x vocab values.</param>
/// <param name="InputDim">d.</param>
/// <param name="Vocab">Vocabulary size.</param>
public sealed record Unembedding(float[] Weights, int InputDim, int Vocab)
{
    /// <summary>
    /// The initializer multiplied into the graph output <c>logits</c> (a MatMul with a float [d, vocab] initializer, as the
    /// GPT-NeoX builder and Hugging Face exports emit it); null when the graph has no such node (encoders, other layouts).
    /// </summary>
    public static Unembedding? FromModel(TransformerModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph.Graph;
        var node = graph.Node.FirstOrDefault(n => n.OpType == "MatMul" && n.Output.Contains("logits"));
        if (node is null || node.Input.Count != 2) return null;
        var init = graph.Initializer.FirstOrDefault(t => t.Name == node.Input[1]);
        if (init is null || init.Dims.Count != 2 || init.DataType != (int)TensorProto.Types.DataType.Float) return null;
        int d = checked((int)init.Dims[0]), vocab = checked((int)init.Dims[1]);
        var values = init.RawData.IsEmpty ? init.FloatData.ToArray() : MemoryMarshal.Cast<byte, float>(init.RawData.Span).ToArray();
        return values.Length == (long)d * vocab ? new Unembedding(values, d, vocab) : null;
    }
}

/// <summary>
/// The direct logit effect of each decoder row, W_dec[i] . W_U (as SAEDashboard shows it; the final layer norm is left out,
/// so the values are directions, not exact logit changes). Parallel over features, one vocab-sized buffer per worker.
/// </summary>
public static class LogitEffects
{
    /// <summary>For every feature, the <paramref name="count"/> largest and smallest entries of W_dec[i] . W_U.</summary>
    public static LogitEffect[] Compute(SaeWeights weights, Unembedding unembedding, int count, Func<int, string?> decode)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(unembedding);
        ArgumentNullException.ThrowIfNull(decode);
        if (unembedding.InputDim != weights.InputDim)
            throw new ArgumentException($"The model's unembedding reads d = {unembedding.InputDim} but the SAE writes d = {weights.InputDim}; the logit effect needs an SAE on the model's residual stream.", nameof(unembedding));
        int m = weights.FeatureCount, d = weights.InputDim, v = unembedding.Vocab;
        count = Math.Min(count, v);
        var result = new LogitEffect[m];
        var wu = unembedding.Weights;
        Parallel.For(0, m, () => new float[v], (i, _, logits) =>
        {
            Array.Clear(logits);
            var row = weights.DecoderRow(i);
            for (int k = 0; k < d; k++)
                if (row[k] != 0) TensorPrimitives.MultiplyAdd(wu.AsSpan(k * v, v), row[k], logits, logits);
            result[i] = new LogitEffect(Select(logits, count, largest: true, decode), Select(logits, count, largest: false, decode));
            return logits;
        }, _ => { });
        return result;
    }

    // Keeps the best `count` in a small sorted list (count is ~10, vocab ~50k): O(vocab x count) worst case, O(vocab) typically.
    static TokenLogit[] Select(float[] logits, int count, bool largest, Func<int, string?> decode)
    {
        var best = new List<(int Id, float Value)>(count + 1);
        for (int j = 0; j < logits.Length && count > 0; j++)
        {
            float x = largest ? logits[j] : -logits[j];
            if (best.Count == count && x <= best[^1].Value) continue;
            int p = best.Count;
            while (p > 0 && best[p - 1].Value < x) p--;
            best.Insert(p, (j, x));
            if (best.Count > count) best.RemoveAt(count);
        }
        return [.. best.Select(b => new TokenLogit(b.Id, decode(b.Id), largest ? b.Value : -b.Value))];
    }
}
