using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace MLSae.Activations;

/// <summary>
/// Byte-level BPE (GPT-2, GPT-NeoX / Pythia) from a Hugging Face tokenizer.json, run by
/// Microsoft.ML.Tokenizers' <see cref="CodeGenTokenizer"/> (GPT-2 byte mapping and pre-tokenizer
/// regex). The json's model.vocab and model.merges are handed to it; added_tokens give the
/// special ids (&lt;|endoftext|&gt; serves as BOS and EOS, as in GPT-2 and Pythia; &lt;|padding|&gt; or
/// [PAD] when present).
/// </summary>
public sealed class ByteLevelBpeModelTokenizer : ModelTokenizer
{
    readonly CodeGenTokenizer _inner;
    readonly Dictionary<int, string> _idToToken;

    ByteLevelBpeModelTokenizer(CodeGenTokenizer inner, Dictionary<int, string> idToToken, int vocabularySize, SpecialTokenIds special)
    {
        _inner = inner;
        _idToToken = idToToken;
        VocabularySize = vocabularySize;
        SpecialTokens = special;
    }

    /// <summary>The Microsoft.ML.Tokenizers tokenizer doing the work.</summary>
    public Tokenizer Inner => _inner;

    /// <summary>Reads the tokenizer.json at <paramref name="path"/>.</summary>
    public static ByteLevelBpeModelTokenizer Create(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
        using var s = File.OpenRead(path);
        try { return Create(s); }
        catch (Exception e) when (e is JsonException or InvalidDataException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{path}' is not a usable Hugging Face byte-level BPE tokenizer.json: {e.Message}", e);
        }
    }

    /// <summary>Reads a Hugging Face tokenizer.json whose model is BPE.</summary>
    public static ByteLevelBpeModelTokenizer Create(Stream tokenizerJson)
    {
        using var doc = JsonDocument.Parse(tokenizerJson);
        var root = doc.RootElement;
        if (!root.TryGetProperty("model", out var model) || !model.TryGetProperty("vocab", out var vocab) || !model.TryGetProperty("merges", out var merges))
            throw new InvalidDataException("tokenizer.json has no model.vocab / model.merges; only BPE tokenizers are supported here (for WordPiece pass a vocab.txt).");
        if (model.TryGetProperty("type", out var type) && type.GetString() is { } t && t != "BPE")
            throw new InvalidDataException($"tokenizer.json model type is '{t}'; only BPE is supported here (for WordPiece pass a vocab.txt).");

        var idToToken = new Dictionary<int, string>();
        var vocabJson = new MemoryStream();
        using (var w = new Utf8JsonWriter(vocabJson))
        {
            w.WriteStartObject();
            foreach (var p in vocab.EnumerateObject())
            {
                w.WriteNumber(p.Name, p.Value.GetInt32());
                idToToken[p.Value.GetInt32()] = p.Name;
            }
            w.WriteEndObject();
        }
        var mergesText = new StringBuilder("#version: 0.2\n");
        foreach (var m in merges.EnumerateArray())
        {
            // Older files store "a b"; newer ones store ["a", "b"].
            if (m.ValueKind == JsonValueKind.String) mergesText.Append(m.GetString()).Append('\n');
            else mergesText.Append(m[0].GetString()).Append(' ').Append(m[1].GetString()).Append('\n');
        }

        int? bos = null, eos = null, pad = null, unk = null;
        if (root.TryGetProperty("added_tokens", out var added))
            foreach (var a in added.EnumerateArray())
            {
                var content = a.GetProperty("content").GetString();
                int id = a.GetProperty("id").GetInt32();
                idToToken[id] = content ?? "";
                switch (content)
                {
                    case "<|endoftext|>": bos ??= id; eos ??= id; break;
                    case "<s>" or "<|begin_of_text|>": bos = id; break;
                    case "</s>" or "<|end_of_text|>": eos = id; break;
                    case "<|padding|>" or "[PAD]" or "<pad>": pad = id; break;
                    case "<|unk|>" or "<unk>": unk = id; break;
                }
            }
        if (bos is null && idToToken.FirstOrDefault(kv => kv.Value == "<|endoftext|>") is { Value: not null } e)
        { bos = e.Key; eos = e.Key; }

        vocabJson.Position = 0;
        var inner = CodeGenTokenizer.Create(vocabJson, new MemoryStream(Encoding.UTF8.GetBytes(mergesText.ToString())),
            addPrefixSpace: false, addBeginOfSentence: false, addEndOfSentence: false);
        int size = idToToken.Count == 0 ? 0 : idToToken.Keys.Max() + 1;
        return new ByteLevelBpeModelTokenizer(inner, idToToken, size, new SpecialTokenIds(null, null, pad ?? eos, bos, eos, unk));
    }

    /// <inheritdoc />
    public override int VocabularySize { get; }

    /// <inheritdoc />
    public override SpecialTokenIds SpecialTokens { get; }

    /// <inheritdoc />
    public override string? IdToToken(int id) => _idToToken.GetValueOrDefault(id);

    /// <inheritdoc />
    public override void Encode(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        ids.AddRange(_inner.EncodeToIds(text, addPrefixSpace: false, addBeginningOfSentence: false, addEndOfSentence: false));
    }
}
