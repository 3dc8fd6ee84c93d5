using System.Text;
using MLSae.Activations;
using MLSae.Evaluation.Absorption;

namespace MLSae.Tests.Evaluation.Absorption;

public class AbsorptionVocabularyTests
{
    [Fact]
    public void WordPieceKeepsLowercaseWholeWordsOfTwoOrMoreLetters()
    {
        (int, string)[] vocab = [(0, "[PAD]"), (1, "cat"), (2, "##at"), (3, "a"), (4, "Dog"), (5, "dog"), (6, "it's"), (7, "x2"), (8, "éte"), (9, "zebra"), (10, "Ġcow")];
        var words = FirstLetterVocabulary.Select(vocab, VocabularyStyle.WordPiece, minLength: 2);
        Assert.Equal(["cat", "dog", "zebra"], words.Select(w => w.Word));
        Assert.Equal([1, 5, 9], words.Select(w => w.TokenId));
        Assert.Equal(['c', 'd', 'z'], words.Select(w => w.Letter));
        Assert.Equal(25, words[2].LetterIndex);
        // minLength 1 admits the single letter.
        Assert.Contains(FirstLetterVocabulary.Select(vocab, VocabularyStyle.WordPiece, minLength: 1), w => w.Word == "a");
    }

    [Fact]
    public void ByteLevelBpeKeepsSpaceMarkedWordsWithTheirSpace()
    {
        (int, string)[] vocab = [(0, "<|endoftext|>"), (1, "cat"), (2, "Ġcat"), (3, "Ġa"), (4, "ĠDog"), (5, "Ġdog"), (6, "Ġ"), (7, "Ġdon't"), (8, "Ġzebra")];
        var words = FirstLetterVocabulary.Select(vocab, VocabularyStyle.ByteLevelBpe, minLength: 2);
        Assert.Equal([" cat", " dog", " zebra"], words.Select(w => w.Word));
        Assert.Equal([2, 5, 8], words.Select(w => w.TokenId));
    }

    [Fact]
    public void SplitIsDeterministicDisjointAndEightyTwenty()
    {
        var (train, test) = FirstLetterVocabulary.Split(101, 0.8, seed: 7);
        var (train2, test2) = FirstLetterVocabulary.Split(101, 0.8, seed: 7);
        Assert.Equal(train, train2);
        Assert.Equal(test, test2);
        Assert.Equal(80, train.Length);   // floor(101 * 0.8)
        Assert.Equal(21, test.Length);
        Assert.Equal(Enumerable.Range(0, 101), train.Concat(test).Order());
        Assert.NotEqual(train, FirstLetterVocabulary.Split(101, 0.8, seed: 8).Train);
    }

    [Fact]
    public void WordPiecePromptPutsTheQueryWordWhereMiniLmTokenizesIt()
    {
        var tok = ModelSources.ResolveTokenizer(MiniLmResources.Name);
        var words = FirstLetterVocabulary.FromTokenizer(tok);
        Assert.True(words.Count > 10_000, $"{words.Count} words");
        Assert.DoesNotContain(words, w => w.Word.StartsWith("##", StringComparison.Ordinal) || w.Word.Length < 2);
        var cat = words.Single(w => w.Word == "cat");
        var dog = words.Single(w => w.Word == "dog");
        var p = FirstLetterPrompt.Tokenize(tok, isEncoder: true, cat, [dog])!;
        Assert.Equal("dog has the first letter: D\ncat has the first letter:", p.Text);
        // [CLS] dog has the first letter : d cat has the first letter : [SEP]  -> "cat" is at 8 (the tokenizer lowercases "D").
        string[] expected = ["[CLS]", "dog", "has", "the", "first", "letter", ":", "d", "cat", "has", "the", "first", "letter", ":", "[SEP]"];
        Assert.Equal(expected, p.Ids.Select(i => tok.IdToToken(i)));
        Assert.Equal(8, p.WordPosition);
        Assert.Equal(cat.TokenId, p.Ids[p.WordPosition]);
    }

    // Byte-level BPE with single characters plus merges for " cat" and " dog".
    static ByteLevelBpeModelTokenizer Bpe()
    {
        var vocab = new List<string> { "<|endoftext|>" };
        for (char ch = '!'; ch <= '~'; ch++) vocab.Add(ch.ToString());
        vocab.AddRange(["Ġ", "Ċ", "Ġc", "Ġca", "Ġcat", "Ġd", "Ġdo", "Ġdog", "Ġh", "Ġha", "Ġhas"]);
        string[] merges = ["Ġ c", "Ġc a", "Ġca t", "Ġ d", "Ġd o", "Ġdo g", "Ġ h", "Ġh a", "Ġha s"];
        var entries = string.Join(",", vocab.Select((t, i) => $"\"{t.Replace("\\", "\\\\").Replace("\"", "\\\"")}\":{i}"));
        var mergeList = string.Join(",", merges.Select(m => $"\"{m}\""));
        var json = "{\"added_tokens\":[{\"id\":0,\"content\":\"<|endoftext|>\",\"special\":true}],"
            + "\"model\":{\"type\":\"BPE\",\"vocab\":{" + entries + "},\"merges\":[" + mergeList + "]}}";
        return ByteLevelBpeModelTokenizer.Create(new MemoryStream(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void BpePromptPutsTheQueryWordAfterBos()
    {
        var tok = Bpe();
        var words = FirstLetterVocabulary.FromTokenizer(tok);
        // The intermediate merges are single-token words too; single characters and "Ġ" alone are not.
        Assert.Equal([" ca", " cat", " do", " dog", " ha", " has"], words.Select(w => w.Word));
        var cat = words.Single(w => w.Word == " cat");
        var p = FirstLetterPrompt.Tokenize(tok, isEncoder: false, cat, [words.Single(w => w.Word == " dog")])!;
        Assert.Equal(" dog has the first letter: D\n cat has the first letter:", p.Text);
        // BOS, then " dog"(1) " has"(1) " "+"the"... : the example line; "\n" is its own token before " cat".
        var text = tok.Encode(p.Text);
        Assert.Equal(0, p.Ids[0]);
        Assert.Equal(text, p.Ids[1..]);
        int newline = Array.IndexOf(text, tok.Encode("\n")[0]);
        Assert.Equal(newline + 2, p.WordPosition);           // +1 for BOS, +1 past the newline
        Assert.Equal(cat.TokenId, p.Ids[p.WordPosition]);
        Assert.Equal(tok.Encode(" has")[0], p.Ids[p.WordPosition + 1]);
    }

    [Fact]
    public void TemplateWithoutWordIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => FirstLetterPrompt.Build("cat", [], "has the first letter:"));
        Assert.Contains("{word}", e.Message);
    }
}
