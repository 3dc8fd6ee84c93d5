using MLSae.Activations;

namespace MLSae.Evaluation.Probing;

/// <summary>
/// Per-text activations from an <see cref="ActivationExtractor"/>: each text is one document,
/// packed into contexts exactly as `mlsae extract` packs a corpus (special tokens excluded), so
/// probing sees the same rows an activation cache of that text would hold.
/// </summary>
public sealed class ExtractorTextActivations : ITextActivationSource, IDisposable
{
    readonly ActivationExtractor _extractor;
    readonly ModelTokenizer _tokenizer;
    readonly bool _owns;

    /// <summary>Wraps <paramref name="extractor"/> (built on <paramref name="model"/>); disposes it when <paramref name="ownsExtractor"/>.</summary>
    public ExtractorTextActivations(TransformerModel model, ActivationExtractor extractor, bool ownsExtractor = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(extractor);
        _tokenizer = model.Tokenizer;
        _extractor = extractor;
        _owns = ownsExtractor;
    }

    /// <summary>Builds an extractor for <paramref name="hook"/> on <paramref name="model"/>.</summary>
    public static ExtractorTextActivations Create(TransformerModel model, string hook, ExtractionOptions? options = null) =>
        new(model, new ActivationExtractor(model, hook, options));

    /// <inheritdoc />
    public int Dimension => _extractor.Dimension;

    /// <inheritdoc />
    public float[] GetTokenActivations(string text, out int tokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        tokens = 0;
        if (_tokenizer.Encode(text).Length == 0) return [];   // the extractor refuses a corpus with no tokens
        var chunks = new List<ActivationChunk>();
        _extractor.Extract([new TextDocument(0, text, "probe text")], chunks.Add);
        int rows = chunks.Sum(c => c.Rows), d = Dimension;
        var all = new float[(long)rows * d];
        int at = 0;
        foreach (var c in chunks)
        {
            c.Activations.AsSpan(0, c.Rows * d).CopyTo(all.AsSpan(at * d));
            at += c.Rows;
        }
        tokens = rows;
        return all;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_owns) _extractor.Dispose();
    }
}
