namespace MLSae.Activations;

/// <summary>
/// One ONNX Runtime run: up to BatchSize packed contexts and their model inputs, laid out densely as
/// [contexts, width] where width is the longest context's filled length (trailing padding columns cost nothing).
/// In the pipeline its contexts come from several <see cref="CorpusBatch"/>es (<see cref="Sources"/>).
/// </summary>
internal sealed class ExtractionBatch(int batchSize, int contextLength)
{
    public List<PackedContext> Contexts { get; } = new(batchSize);
    /// <summary>Where each context's rows go: its corpus batch and index there (pipeline only).</summary>
    public List<(CorpusBatch Batch, int Index)> Sources { get; } = [];
    public long[] Ids { get; } = new long[batchSize * contextLength];
    public long[] Mask { get; } = new long[batchSize * contextLength];
    public long[] Positions { get; } = new long[batchSize * contextLength];
    /// <summary>Columns run: the longest context's filled length.</summary>
    public int Width { get; private set; }
    public bool IsFull => Contexts.Count == batchSize;

    /// <summary>Writes ids, mask and positions of the contexts held.</summary>
    public void Fill()
    {
        int t = 0;
        foreach (var c in Contexts) t = Math.Max(t, c.Filled);
        Width = t;
        for (int b = 0; b < Contexts.Count; b++)
        {
            var c = Contexts[b];
            for (int p = 0; p < t; p++)
            {
                int i = b * t + p;
                Ids[i] = c.TokenIds[p];
                Mask[i] = c.Kinds[p] == SlotKind.Padding ? 0 : 1;
                Positions[i] = p;
            }
        }
    }

    public void Clear()
    {
        Contexts.Clear();
        Sources.Clear();
        Width = 0;
    }
}
