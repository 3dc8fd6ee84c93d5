using System.Globalization;
using System.Text;

namespace MLSae.Activations;

/// <summary>
/// BERT tokenisation (Hugging Face BasicTokenizer + WordPiece, uncased by default) over a
/// vocab.txt. Written out here rather than taken from Microsoft.ML.Tokenizers' BertTokenizer
/// because that one (2.0.1) drops characters outside the vocabulary such as emoji instead of
/// emitting [UNK], and treats tab / no-break space differently from the reference, which shifts
/// token ids and positions. Rules, as in transformers' BertTokenizer: drop NUL, U+FFFD and control
/// characters; any whitespace (incl. category Zs) separates words; CJK ideographs become words of
/// their own; lower-case and strip accents (NFD, drop Mn) when uncased; split off punctuation
/// (ASCII symbols and category P*); a word longer than 100 code points is [UNK]; otherwise greedy
/// longest-match WordPiece with "##" continuations, [UNK] when a word cannot be covered.
/// </summary>
public sealed class WordPieceModelTokenizer : ModelTokenizer
{
    /// <summary>Words longer than this many code points become [UNK] (the reference default).</summary>
    public const int MaxInputCharsPerWord = 100;

    readonly Dictionary<string, int> _vocab;
    readonly string[] _tokens;
    readonly bool _lowerCase;
    readonly int _unk;

    WordPieceModelTokenizer(string[] tokens, bool lowerCase)
    {
        _tokens = tokens;
        _lowerCase = lowerCase;
        _vocab = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++) _vocab.TryAdd(tokens[i], i);
        int? Id(string t) => _vocab.TryGetValue(t, out var id) ? id : null;
        _unk = Id("[UNK]") ?? throw new InvalidDataException("The WordPiece vocabulary has no [UNK] token; is this a BERT vocab.txt?");
        SpecialTokens = new SpecialTokenIds(Id("[CLS]"), Id("[SEP]"), Id("[PAD]"), null, null, _unk);
    }

    /// <summary>Reads a vocab.txt (one token per line, id = line number) from <paramref name="vocab"/>.</summary>
    public static WordPieceModelTokenizer Create(Stream vocab, bool lowerCase = true)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        var tokens = new List<string>();
        using var reader = new StreamReader(vocab, new UTF8Encoding(false, true));
        while (reader.ReadLine() is { } line) tokens.Add(line.TrimEnd('\r'));
        if (tokens.Count == 0) throw new InvalidDataException("The WordPiece vocabulary is empty.");
        return new WordPieceModelTokenizer([.. tokens], lowerCase);
    }

    /// <summary>Reads the vocab.txt at <paramref name="path"/>.</summary>
    public static WordPieceModelTokenizer Create(string path, bool lowerCase = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Vocabulary file '{path}' does not exist.", path);
        using var s = File.OpenRead(path);
        return Create(s, lowerCase);
    }

    /// <inheritdoc />
    public override int VocabularySize => _tokens.Length;

    /// <inheritdoc />
    public override SpecialTokenIds SpecialTokens { get; }

    /// <inheritdoc />
    public override string? IdToToken(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    /// <inheritdoc />
    public override void Encode(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var word in BasicTokens(text))
            WordPiece(word, ids);
    }

    IEnumerable<string> BasicTokens(string text)
    {
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD) continue;
            if (IsWhitespace(rune))
            {
                foreach (var t in Flush(word)) yield return t;
                continue;
            }
            if (IsControl(rune)) continue;
            if (IsCjk(cp))
            {
                foreach (var t in Flush(word)) yield return t;
                yield return rune.ToString();
                continue;
            }
            word.Append(rune.ToString());
        }
        foreach (var t in Flush(word)) yield return t;
    }

    // A whitespace-separated word: normalise case/accents, then split off punctuation.
    IEnumerable<string> Flush(StringBuilder word)
    {
        if (word.Length == 0) yield break;
        var w = word.ToString();
        word.Clear();
        if (_lowerCase) w = StripAccents(w.ToLowerInvariant());
        var piece = new StringBuilder();
        foreach (var rune in w.EnumerateRunes())
        {
            if (IsPunctuation(rune))
            {
                if (piece.Length > 0) { yield return piece.ToString(); piece.Clear(); }
                yield return rune.ToString();
            }
            else piece.Append(rune.ToString());
        }
        if (piece.Length > 0) yield return piece.ToString();
    }

    void WordPiece(string word, List<int> ids)
    {
        int runes = 0;
        foreach (var _ in word.EnumerateRunes()) runes++;
        if (runes > MaxInputCharsPerWord) { ids.Add(_unk); return; }
        int start = 0, first = ids.Count;
        while (start < word.Length)
        {
            int end = word.Length, found = -1;
            while (start < end)
            {
                var sub = start > 0 ? "##" + word[start..end] : word[start..end];
                if (_vocab.TryGetValue(sub, out var id)) { found = id; break; }
                end--;
                if (end > start && char.IsLowSurrogate(word[end])) end--;   // never split a surrogate pair
            }
            if (found < 0)
            {
                ids.RemoveRange(first, ids.Count - first);
                ids.Add(_unk);
                return;
            }
            ids.Add(found);
            start = end;
        }
    }

    static string StripAccents(string s)
    {
        var d = s.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(d.Length);
        foreach (var c in d)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) sb.Append(c);
        return sb.ToString();
    }

    static bool IsWhitespace(Rune r) =>
        r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    static bool IsPunctuation(Rune r)
    {
        int cp = r.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
