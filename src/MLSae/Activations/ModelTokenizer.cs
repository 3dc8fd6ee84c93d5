namespace MLSae.Activations;

/// <summary>
/// Turns text into a model's vocabulary ids without adding special tokens (context packing adds
/// them per model). Implementations: <see cref="WordPieceModelTokenizer"/> (BERT vocab.txt) and
/// <see cref="ByteLevelBpeModelTokenizer"/> (GPT-2 / GPT-NeoX tokenizer.json).
/// </summary>
public abstract class ModelTokenizer
{
    /// <summary>Number of ids the tokenizer can produce (must not exceed the model's embedding rows).</summary>
    public abstract int VocabularySize { get; }

    /// <summary>The special tokens the vocabulary defines.</summary>
    public abstract SpecialTokenIds SpecialTokens { get; }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    public abstract void Encode(string text, List<int> ids);

    /// <summary>The ids of <paramref name="text"/>.</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>();
        Encode(text, ids);
        return [.. ids];
    }

    /// <summary>The vocabulary string of <paramref name="id"/>, or null when out of range.</summary>
    public abstract string? IdToToken(int id);
}
