using MLSae.Activations;

namespace MLSae.Evaluation.Absorption;

/// <summary>How a vocabulary marks whole words.</summary>
public enum VocabularyStyle
{
    /// <summary>BERT WordPiece: a whole word is a token without the <c>##</c> continuation prefix.</summary>
    WordPiece,
    /// <summary>GPT-2 / GPT-NeoX byte-level BPE: a word after a space is a token starting with <c>Ġ</c> (the space's byte symbol).</summary>
    ByteLevelBpe,
}

/// <summary>One single-token word of the first-letter task.</summary>
/// <param name="Word">The text that encodes to the token (with its leading space for byte-level BPE, e.g. " cat").</param>
/// <param name="TokenId">Its vocabulary id.</param>
/// <param name="Letter">Its first letter, a..z.</param>
public readonly record struct FirstLetterWord(string Word, int TokenId, char Letter)
{
    /// <summary>0 for 'a' .. 25 for 'z'.</summary>
    public int LetterIndex => Letter - 'a';
}

/// <summary>
/// The word list of the first-letter absorption task: single-token, lowercase, purely alphabetic
/// (a-z) words of the model's vocabulary with at least <c>minLength</c> letters. WordPiece: whole-word
/// tokens (no <c>##</c> pieces, no [special] tokens); byte-level BPE: tokens with the leading-space
/// marker <c>Ġ</c>, used with their space (" cat"), as SAEBench feeds them. SAEBench's
/// <c>get_alpha_tokens</c> also keeps uppercase letters, BPE tokens without a space, and single letters.
/// </summary>
public static class FirstLetterVocabulary
{
    const char BpeSpace = 'Ġ';

    /// <summary>Filters <paramref name="vocabulary"/> (id, token string) to task words, in id order.</summary>
    public static List<FirstLetterWord> Select(IEnumerable<(int Id, string Token)> vocabulary, VocabularyStyle style, int minLength = AbsorptionEvaluatorDefaults.MinWordLength)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var words = new List<FirstLetterWord>();
        foreach (var (id, token) in vocabulary.OrderBy(v => v.Id))
        {
            if (string.IsNullOrEmpty(token)) continue;
            string letters, word;
            if (style == VocabularyStyle.ByteLevelBpe)
            {
                if (token[0] != BpeSpace) continue;
                letters = token[1..];
                word = " " + letters;
            }
            else
            {
                letters = token;
                word = token;
            }
            if (letters.Length < Math.Max(1, minLength) || !IsLowerAscii(letters)) continue;
            words.Add(new FirstLetterWord(word, id, letters[0]));
        }
        return words;
    }

    /// <summary>
    /// Task words of <paramref name="tokenizer"/>'s vocabulary (style from its type), keeping only words
    /// that encode back to exactly their own token.
    /// </summary>
    public static List<FirstLetterWord> FromTokenizer(ModelTokenizer tokenizer, int minLength = AbsorptionEvaluatorDefaults.MinWordLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var style = StyleOf(tokenizer);
        var vocab = Enumerable.Range(0, tokenizer.VocabularySize)
            .Select(id => (id, tokenizer.IdToToken(id)))
            .Where(v => v.Item2 is not null && !tokenizer.SpecialTokens.IsSpecial(v.id))
            .Select(v => (v.id, v.Item2!));
        var ids = new List<int>(4);
        return Select(vocab, style, minLength).Where(w =>
        {
            ids.Clear();
            tokenizer.Encode(w.Word, ids);
            return ids.Count == 1 && ids[0] == w.TokenId;
        }).ToList();
    }

    /// <summary>WordPiece for <see cref="WordPieceModelTokenizer"/>, byte-level BPE for <see cref="ByteLevelBpeModelTokenizer"/>.</summary>
    public static VocabularyStyle StyleOf(ModelTokenizer tokenizer) => tokenizer switch
    {
        WordPieceModelTokenizer => VocabularyStyle.WordPiece,
        ByteLevelBpeModelTokenizer => VocabularyStyle.ByteLevelBpe,
        _ => throw new NotSupportedException($"First-letter absorption knows WordPiece and byte-level BPE vocabularies; {tokenizer.GetType().Name} is neither."),
    };

    /// <summary>
    /// A deterministic split: the words are shuffled with <c>Random(seed)</c> and the first
    /// floor(count x <paramref name="trainFraction"/>) go to training (SAEBench: 80 / 20). Returns indices.
    /// </summary>
    public static (int[] Train, int[] Test) Split(int count, double trainFraction, int seed)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        if (!(trainFraction > 0 && trainFraction < 1)) throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "The train fraction must be in (0, 1).");
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        int nTrain = (int)Math.Floor(count * trainFraction);
        return (order[..nTrain], order[nTrain..]);
    }

    static bool IsLowerAscii(string s)
    {
        foreach (var c in s) if (c < 'a' || c > 'z') return false;
        return true;
    }
}
