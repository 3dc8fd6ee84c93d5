using System.Text;
using MLSae.Activations;

namespace MLSae.Evaluation.Absorption;

/// <summary>A tokenised prompt and where its query word sits.</summary>
/// <param name="Text">The prompt text (without special tokens).</param>
/// <param name="Ids">Model input ids: [CLS] text [SEP] for encoders, [BOS] text for causal models (BOS when the vocabulary has one).</param>
/// <param name="WordPosition">Index in <paramref name="Ids"/> of the query word's token.</param>
public sealed record PromptTokens(string Text, int[] Ids, int WordPosition);

/// <summary>
/// SAEBench's in-context first-letter prompt: examples "{word} has the first letter: W" joined by
/// newlines, then the query "{word} has the first letter:". The activation is read at the query
/// word's token (SAEBench's <c>prompt_token_pos = -6</c> for causal models; found here by tokenising, so
/// any template with <c>{word}</c> works and the encoder's trailing [SEP] does not shift it).
/// An encoder (MiniLM) gets the same text; it also sees the tokens after the word, which a causal model does not.
/// </summary>
public static class FirstLetterPrompt
{
    /// <summary>The prompt text for <paramref name="word"/> after <paramref name="examples"/>.</summary>
    public static string Build(string word, IEnumerable<FirstLetterWord> examples, string template = AbsorptionEvaluatorDefaults.PromptTemplate, string separator = "\n")
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(examples);
        CheckTemplate(template);
        var sb = new StringBuilder();
        foreach (var e in examples)
            sb.Append(template.Replace("{word}", e.Word)).Append(' ').Append(char.ToUpperInvariant(e.Letter)).Append(separator);
        return sb.Append(template.Replace("{word}", word)).ToString();
    }

    /// <summary>
    /// Tokenises the prompt of <paramref name="word"/> and locates its token: the text before the query
    /// word plus the word must tokenise to a prefix of the whole prompt ending in the word's id. Returns
    /// null when the tokenizer merges the word with its neighbours (the word is then skipped).
    /// </summary>
    public static PromptTokens? Tokenize(TransformerModel model, FirstLetterWord word, IEnumerable<FirstLetterWord> examples,
        string template = AbsorptionEvaluatorDefaults.PromptTemplate, string separator = "\n")
    {
        ArgumentNullException.ThrowIfNull(model);
        return Tokenize(model.Tokenizer, model.IsEncoder, word, examples, template, separator);
    }

    /// <summary>As <see cref="Tokenize(TransformerModel, FirstLetterWord, IEnumerable{FirstLetterWord}, string, string)"/> for a tokenizer alone.</summary>
    public static PromptTokens? Tokenize(ModelTokenizer tokenizer, bool isEncoder, FirstLetterWord word, IEnumerable<FirstLetterWord> examples,
        string template = AbsorptionEvaluatorDefaults.PromptTemplate, string separator = "\n")
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var text = Build(word.Word, examples, template, separator);
        // The query (template with the word) is the text's tail; the word starts where {word} stood.
        int tailStart = text.Length - (template.Length - "{word}".Length + word.Word.Length);
        int wordAt = tailStart + template.IndexOf("{word}", StringComparison.Ordinal);
        var head = tokenizer.Encode(text[..(wordAt + word.Word.Length)]);
        var all = tokenizer.Encode(text);
        if (head.Length == 0 || head[^1] != word.TokenId || all.Length < head.Length) return null;
        for (int i = 0; i < head.Length; i++) if (head[i] != all[i]) return null;

        var sp = tokenizer.SpecialTokens;
        int? first = isEncoder ? sp.Cls : sp.Bos;
        var ids = new List<int>(all.Length + 2);
        if (first is { } f) ids.Add(f);
        int offset = ids.Count;
        ids.AddRange(all);
        if (isEncoder && sp.Sep is { } sep) ids.Add(sep);
        return new PromptTokens(text, [.. ids], offset + head.Length - 1);
    }

    internal static void CheckTemplate(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        int at = template.IndexOf("{word}", StringComparison.Ordinal);
        if (at < 0 || template.IndexOf("{word}", at + 1, StringComparison.Ordinal) >= 0)
            throw new ArgumentException($"The prompt template '{template}' must contain {{word}} exactly once (e.g. \"{AbsorptionEvaluatorDefaults.PromptTemplate}\").", nameof(template));
    }
}
