namespace MLSae.Activations;

/// <summary>
/// BatchSize contexts in corpus order: the unit the sink receives as one <see cref="ActivationChunk"/>. Everything
/// but the activations follows from the packed contexts, so <see cref="Plan"/> lays the chunk out (which positions are
/// stored, at which rows, the special and padding counts) before the model runs, and <see cref="Copy"/> drops each
/// context's hook output into place in whatever run it was computed. Same rows, order and counts as
/// <see cref="ActivationExtractor.Gather"/> makes from one batch.
/// </summary>
internal sealed class CorpusBatch(List<PackedContext> contexts, long documentsRead, int contextLength, bool includeSpecial)
{
    int[] _firstRow = [], _rowsOf = [];
    int[] _tokenIds = [], _positions = [];
    long[] _documentIds = [];
    float[] _activations = [];

    public List<PackedContext> Contexts => contexts;
    /// <summary>Documents the packer had read when this batch closed (what a run stopped here reports).</summary>
    public long DocumentsRead => documentsRead;
    /// <summary>Rows to store (after the MaxTokens limit).</summary>
    public int Rows { get; private set; }
    /// <summary>Special and padding positions not stored (all of the batch's, also past the limit).</summary>
    public long Special { get; private set; }
    public long Padding { get; private set; }
    /// <summary>Rows stored up to and including this batch.</summary>
    public long StoredAfter { get; set; }

    /// <summary>Rows that context <paramref name="index"/> contributes (0: it need not run).</summary>
    public int RowsOf(int index) => _rowsOf[index];

    bool Stored(SlotKind kind) => kind == SlotKind.Text || (kind == SlotKind.Special && includeSpecial);

    /// <summary>Lays out at most <paramref name="limit"/> rows: ids, documents, positions and each context's first row.</summary>
    public void Plan(long limit)
    {
        int rows = 0;
        foreach (var c in contexts)
            for (int p = 0; p < contextLength; p++)
                if (Stored(c.Kinds[p])) rows++;
        Rows = rows = (int)Math.Min(rows, limit);
        _tokenIds = new int[rows];
        _documentIds = new long[rows];
        _positions = new int[rows];
        _firstRow = new int[contexts.Count];
        _rowsOf = new int[contexts.Count];
        int r = 0;
        for (int b = 0; b < contexts.Count; b++)
        {
            var c = contexts[b];
            _firstRow[b] = r;
            for (int p = 0; p < contextLength; p++)
            {
                var kind = c.Kinds[p];
                if (!Stored(kind))
                {
                    if (kind == SlotKind.Padding) Padding++; else Special++;
                    continue;
                }
                if (r == rows) continue;
                _tokenIds[r] = c.TokenIds[p];
                _documentIds[r] = c.DocumentIds[p];
                _positions[r] = p;
                r++;
            }
            _rowsOf[b] = r - _firstRow[b];
        }
    }

    /// <summary>Makes room for the activations (every row is written by <see cref="Copy"/>; the sink may keep the array).</summary>
    public void AllocateActivations(int d) => _activations = GC.AllocateUninitializedArray<float>(Rows * d);

    /// <summary>Copies context <paramref name="index"/>'s stored rows out of its hook output <paramref name="output"/> ([positions, d]).</summary>
    public void Copy(int index, ReadOnlySpan<float> output, int d)
    {
        var c = contexts[index];
        int r = _firstRow[index], end = r + _rowsOf[index];
        for (int p = 0; p < contextLength && r < end; p++)
        {
            if (!Stored(c.Kinds[p])) continue;
            output.Slice(p * d, d).CopyTo(_activations.AsSpan(r * d, d));
            r++;
        }
    }

    public ActivationChunk ToChunk(int d) => new(_activations, _tokenIds, _documentIds, _positions, d);
}
