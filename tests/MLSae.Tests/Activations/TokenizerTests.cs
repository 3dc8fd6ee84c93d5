using System.Text;
using MLSae.Activations;

namespace MLSae.Tests.Activations;

public class TokenizerTests
{
    // The reference: token strings worked out by hand from transformers' BertTokenizer rules
    // (uncased: lower-case, strip accents, split punctuation, CJK per character, >100 chars -> [UNK])
    // and looked up by line number in the vocab, independently of the tokenizer under test.
    static readonly Lazy<Dictionary<string, int>> s_vocab = new(() =>
    {
        using var r = new StreamReader(MiniLmResources.OpenVocab());
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        int i = 0;
        while (r.ReadLine() is { } line) d.TryAdd(line.TrimEnd('\r'), i++);
        return d;
    });

    static int[] Ids(params string[] tokens) => tokens.Select(t => s_vocab.Value[t]).ToArray();

    static WordPieceModelTokenizer MiniLm()
    {
        using var s = MiniLmResources.OpenVocab();
        return WordPieceModelTokenizer.Create(s);
    }

    public static TheoryData<string, string[]> Cases => new()
    {
        { "Hello, world!", ["hello", ",", "world", "!"] },
        { "Café naïve résumé", ["cafe", "naive", "resume"] },
        { "unaffable", ["una", "##ffa", "##ble"] },
        { "日本語 text", ["日", "本", "語", "text"] },
        { "🙂 ok", ["[UNK]", "ok"] },                                  // not in vocab: [UNK], not dropped
        { "a\u00A0b\tc\u0000d\uFFFD\u200Be", ["a", "b", "cd", "##e"] },  // NBSP/tab split; NUL, U+FFFD, ZWSP removed
        { "don't stop-believing...", ["don", "'", "t", "stop", "-", "believing", ".", ".", "."] },
        { "Ångström's 3.14", ["ang", "##strom", "'", "s", "3", ".", "14"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void WordPieceMatchesHandWorkedReference(string text, string[] expected)
    {
        Assert.Equal(Ids(expected), MiniLm().Encode(text));
    }

    [Fact]
    public void WordOfHundredCharsIsSplitAndLongerIsUnknown()
    {
        var tok = MiniLm();
        // 100 a's: greedy longest match "aaa" (no longer "a"-run in vocab), then "##aa" x 48, then "##a".
        var expected = Ids(["aaa", .. Enumerable.Repeat("##aa", 48), "##a"]);
        Assert.Equal(expected, tok.Encode(new string('a', 100)));
        Assert.Equal(Ids("[UNK]"), tok.Encode(new string('a', 101)));
        Assert.Equal(Ids("x", "[UNK]", "y"), tok.Encode("x " + new string('b', 150) + " y"));
    }

    [Fact]
    public void SpecialTokensComeFromTheVocab()
    {
        var sp = MiniLm().SpecialTokens;
        Assert.Equal(s_vocab.Value["[CLS]"], sp.Cls);
        Assert.Equal(s_vocab.Value["[SEP]"], sp.Sep);
        Assert.Equal(s_vocab.Value["[PAD]"], sp.Pad);
        Assert.Equal(s_vocab.Value["[UNK]"], sp.Unk);
        Assert.Null(sp.Bos);
        Assert.Equal(30522, MiniLm().VocabularySize);
    }

    // A byte-level BPE small enough to run by hand. Merges in rank order:
    // h e, l l, he ll, hell o, Ġ w, o r.
    internal const string TinyBpeJson = """
    {
      "added_tokens": [ { "id": 0, "content": "<|endoftext|>", "special": true } ],
      "model": {
        "type": "BPE",
        "vocab": { "<|endoftext|>": 0, "h": 1, "e": 2, "l": 3, "o": 4, "Ġ": 5, "w": 6, "r": 7, "d": 8,
                   "he": 9, "ll": 10, "hell": 11, "hello": 12, "Ġw": 13, "or": 14, "Ã": 15, "©": 16 },
        "merges": [ "h e", "l l", ["he", "ll"], "hell o", "Ġ w", "o r" ]
      }
    }
    """;

    internal static ByteLevelBpeModelTokenizer TinyBpe() => ByteLevelBpeModelTokenizer.Create(new MemoryStream(Encoding.UTF8.GetBytes(TinyBpeJson)));

    [Fact]
    public void ByteLevelBpeFollowsMergeRanks()
    {
        var tok = TinyBpe();
        // "hello" -> h e l l o -> he l l o -> he ll o -> hell o -> hello (12).
        // " world" -> Ġ w o r l d -> Ġw o r l d -> Ġw or l d (13 14 3 8).
        Assert.Equal([12, 13, 14, 3, 8], tok.Encode("hello world"));
        // "é" is bytes C3 A9, which GPT-2's byte map shows as "Ã" "©"; no merge joins them.
        Assert.Equal([12, 5, 15, 16], tok.Encode("hello é"));
        Assert.Equal(0, tok.SpecialTokens.Bos);
        Assert.Equal(0, tok.SpecialTokens.Eos);
        Assert.Equal(17, tok.VocabularySize);
    }

    [Fact]
    public void NonBpeTokenizerJsonIsRejectedWithReason()
    {
        var json = """{ "model": { "type": "WordPiece", "vocab": { "a": 0 }, "merges": [] } }""";
        var e = Assert.Throws<InvalidDataException>(() => ByteLevelBpeModelTokenizer.Create(new MemoryStream(Encoding.UTF8.GetBytes(json))));
        Assert.Contains("WordPiece", e.Message);
    }
}
