using MLSae.Activations;

namespace MLSae.Browsing;

/// <summary>Turns vocabulary tokens into the text shown in a context: word-piece continuations join the previous token, byte-level BPE markers become spaces and newlines.</summary>
public static class TokenDisplay
{
    /// <summary>
    /// A decoder for <paramref name="tokenizer"/>: WordPiece tokens get a leading space unless they start with "##";
    /// byte-level BPE "Ġ" becomes a space and "Ċ" a newline. Ids the tokenizer does not know give null (shown as ids).
    /// </summary>
    public static Func<int, string?> For(ModelTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        bool bpe = tokenizer is ByteLevelBpeModelTokenizer;
        return id => tokenizer.IdToToken(id) is { } t ? (bpe ? Bpe(t) : WordPiece(t)) : null;
    }

    /// <summary>A WordPiece token as display text.</summary>
    public static string WordPiece(string token) => token.StartsWith("##", StringComparison.Ordinal) ? token[2..] : " " + token;

    /// <summary>A byte-level BPE token as display text.</summary>
    public static string Bpe(string token) => token.Replace('\u0120', ' ').Replace('\u010A', '\n').Replace('\u0109', '\t');
}
