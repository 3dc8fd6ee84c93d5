namespace MLSae.Activations;

/// <summary>What a context position holds.</summary>
internal enum SlotKind : byte { Text, Special, Padding }

/// <summary>One fixed-length context ready for the model.</summary>
internal sealed class PackedContext(int length)
{
    public int[] TokenIds { get; } = new int[length];
    public long[] DocumentIds { get; } = new long[length];
    public SlotKind[] Kinds { get; } = new SlotKind[length];
    /// <summary>Positions before the padding.</summary>
    public int Filled { get; set; }
}

/// <summary>
/// Packs tokenised documents into fixed contexts. Encoders (BERT): each context is
/// [CLS] up to C-2 tokens of one document [SEP], then padding; a long document continues in the
/// next context, documents never share one (they would attend to each other). Causal models:
/// every context starts with BOS; documents follow each other, each ended by EOS, filling contexts
/// completely (SAEBench style); only the corpus's last context is padded.
/// </summary>
internal sealed class ContextPacker(ModelTokenizer tokenizer, int contextLength, bool encoder)
{
    readonly SpecialTokenIds _sp = tokenizer.SpecialTokens;
    readonly int _pad = tokenizer.SpecialTokens.Pad ?? tokenizer.SpecialTokens.Eos ?? 0;

    /// <summary>Documents tokenised so far.</summary>
    public long Documents { get; private set; }

    public IEnumerable<PackedContext> Pack(IEnumerable<TextDocument> documents) =>
        encoder ? PackEncoder(documents) : PackCausal(documents);

    IEnumerable<PackedContext> PackEncoder(IEnumerable<TextDocument> documents)
    {
        var ids = new List<int>();
        int reserved = (_sp.Cls is null ? 0 : 1) + (_sp.Sep is null ? 0 : 1);
        int window = contextLength - reserved;
        foreach (var doc in documents)
        {
            Documents++;
            ids.Clear();
            tokenizer.Encode(doc.Text, ids);
            for (int start = 0; start < ids.Count; start += window)
            {
                var c = new PackedContext(contextLength);
                if (_sp.Cls is { } cls) Put(c, cls, -1, SlotKind.Special);
                for (int i = start; i < Math.Min(ids.Count, start + window); i++) Put(c, ids[i], doc.Id, SlotKind.Text);
                if (_sp.Sep is { } sep) Put(c, sep, -1, SlotKind.Special);
                Pad(c);
                yield return c;
            }
        }
    }

    IEnumerable<PackedContext> PackCausal(IEnumerable<TextDocument> documents)
    {
        var ids = new List<int>();
        PackedContext? c = null;
        bool hasText = false;
        foreach (var doc in documents)
        {
            Documents++;
            ids.Clear();
            tokenizer.Encode(doc.Text, ids);
            if (ids.Count == 0) continue;
            if (_sp.Eos is { } eos) ids.Add(eos);
            for (int i = 0; i < ids.Count; i++)
            {
                if (c is null)
                {
                    c = new PackedContext(contextLength);
                    hasText = false;
                    if (_sp.Bos is { } bos) Put(c, bos, -1, SlotKind.Special);
                }
                bool special = i == ids.Count - 1 && _sp.Eos is not null;
                Put(c, ids[i], special ? -1 : doc.Id, special ? SlotKind.Special : SlotKind.Text);
                hasText |= !special;
                if (c.Filled == contextLength) { yield return c; c = null; }
            }
        }
        if (c is not null && hasText) { Pad(c); yield return c; }
    }

    static void Put(PackedContext c, int id, long doc, SlotKind kind)
    {
        c.TokenIds[c.Filled] = id;
        c.DocumentIds[c.Filled] = doc;
        c.Kinds[c.Filled] = kind;
        c.Filled++;
    }

    void Pad(PackedContext c)
    {
        for (int i = c.Filled; i < c.TokenIds.Length; i++)
        {
            c.TokenIds[i] = _pad;
            c.DocumentIds[i] = -1;
            c.Kinds[i] = SlotKind.Padding;
        }
    }
}
