using MLSae.Activations;

namespace MLSae.Evaluation.Preservation;

/// <summary>Consumes the three outputs ([batch, tokens, width] each: original, SAE, ablation) batch by batch.</summary>
internal interface IPreservationAccumulator
{
    /// <summary>Text tokens counted so far.</summary>
    long Tokens { get; }

    /// <summary>Adds a batch; stops counting at <paramref name="limit"/> tokens.</summary>
    void Add(IReadOnlyList<PackedContext> batch, int tokens, float[][] outputs, long limit);
}

/// <summary>
/// Causal LMs: KL at every text-token position (the positions whose activation the SAE replaced);
/// next-token CE at text-token positions whose next position in the context holds a token (not
/// padding, not past the context's end). Sums are in double, added in position order.
/// </summary>
internal sealed class LogitAccumulator(int vocabulary) : IPreservationAccumulator
{
    double _klSae, _klAblation, _ceOriginal, _ceSae, _ceAblation;
    long _ceTokens;

    public long Tokens { get; private set; }

    // Sequential on purpose: on the shared 2-core build machine a Parallel.For over positions measured
    // slower (docs/benchmarks/evaluation.md); the fused kernel costs about a third of the forward.
    public void Add(IReadOnlyList<PackedContext> batch, int tokens, float[][] outputs, long limit)
    {
        for (int b = 0; b < batch.Count; b++)
        {
            var c = batch[b];
            for (int p = 0; p < tokens && Tokens < limit; p++)
            {
                if (c.Kinds[p] != SlotKind.Text) continue;
                int target = p + 1 < c.Filled ? c.TokenIds[p + 1] : -1;
                int offset = (b * tokens + p) * vocabulary;
                var r = LogitComparison.Compare(outputs[0].AsSpan(offset, vocabulary), outputs[1].AsSpan(offset, vocabulary),
                    outputs[2].AsSpan(offset, vocabulary), target);
                _klSae += r.KlSae;
                _klAblation += r.KlAblation;
                Tokens++;
                if (target < 0) continue;
                _ceOriginal += r.CeOriginal;
                _ceSae += r.CeSae;
                _ceAblation += r.CeAblation;
                _ceTokens++;
            }
        }
    }

    public PreservationMetrics ToMetrics() => PreservationMetrics.FromRaw(
        _klSae / Tokens, _klAblation / Tokens, _ceSae / _ceTokens, _ceAblation / _ceTokens, _ceOriginal / _ceTokens, Tokens);
}

/// <summary>
/// Encoders: per context, mean-pool the output over attended positions (padding excluded) for each
/// run and add 1 - cos(original, run). Whole contexts are counted; the last one may pass the limit.
/// </summary>
internal sealed class EmbeddingAccumulator(int width) : IPreservationAccumulator
{
    readonly double[] _original = new double[width], _sae = new double[width], _ablation = new double[width];
    double _distanceSae, _distanceAblation;
    long _contexts;

    public long Tokens { get; private set; }

    public void Add(IReadOnlyList<PackedContext> batch, int tokens, float[][] outputs, long limit)
    {
        for (int b = 0; b < batch.Count && Tokens < limit; b++)
        {
            var c = batch[b];
            Array.Clear(_original); Array.Clear(_sae); Array.Clear(_ablation);
            int text = 0;
            for (int p = 0; p < tokens; p++)
            {
                if (c.Kinds[p] == SlotKind.Padding) continue;
                if (c.Kinds[p] == SlotKind.Text) text++;
                int offset = (b * tokens + p) * width;
                for (int j = 0; j < width; j++)
                {
                    _original[j] += outputs[0][offset + j];
                    _sae[j] += outputs[1][offset + j];
                    _ablation[j] += outputs[2][offset + j];
                }
            }
            if (text == 0) continue;
            _distanceSae += 1 - Cosine(_original, _sae);
            _distanceAblation += 1 - Cosine(_original, _ablation);
            _contexts++;
            Tokens += text;
        }
    }

    /// <summary>cos(a, b); 0 when either vector is zero. Pooling's 1/n cancels, so sums are used.</summary>
    internal static double Cosine(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int j = 0; j < a.Length; j++)
        {
            dot += a[j] * b[j];
            na += a[j] * a[j];
            nb += b[j] * b[j];
        }
        return na == 0 || nb == 0 ? 0 : Math.Clamp(dot / Math.Sqrt(na * nb), -1, 1);
    }

    public EmbeddingPreservationMetrics ToMetrics() =>
        EmbeddingPreservationMetrics.FromRaw(_distanceSae / _contexts, _distanceAblation / _contexts, _contexts);
}
