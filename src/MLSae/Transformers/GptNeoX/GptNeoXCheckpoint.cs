using System.Text.Json;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Transformers.GptNeoX;

/// <summary>
/// A Hugging Face GPT-NeoX checkpoint folder: <c>config.json</c>, <c>model.safetensors</c> or shards
/// listed in <c>model.safetensors.index.json</c>, and optionally <c>tokenizer.json</c>. Tensors are
/// read on demand (float32, float16 or bfloat16 on disk; float32 in memory) so a build holds one
/// weight matrix at a time. Dispose to close the files.
/// </summary>
public sealed class GptNeoXCheckpoint : IDisposable
{
    /// <summary>The single-file weights name.</summary>
    public const string WeightsFileName = "model.safetensors";
    /// <summary>The shard index name.</summary>
    public const string IndexFileName = "model.safetensors.index.json";
    /// <summary>The configuration file name.</summary>
    public const string ConfigFileName = "config.json";
    /// <summary>The tokenizer file name.</summary>
    public const string TokenizerFileName = "tokenizer.json";

    readonly Dictionary<string, SafeTensorsFile> _byTensor;
    readonly List<SafeTensorsFile> _files;

    GptNeoXCheckpoint(string directory, GptNeoXConfig config, List<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> byTensor)
    {
        Directory = directory;
        Config = config;
        _files = files;
        _byTensor = byTensor;
    }

    /// <summary>The checkpoint folder.</summary>
    public string Directory { get; }

    /// <summary>The parsed config.json.</summary>
    public GptNeoXConfig Config { get; }

    /// <summary>tokenizer.json in the folder, or null when there is none.</summary>
    public string? TokenizerPath => File.Exists(Path.Combine(Directory, TokenizerFileName)) ? Path.Combine(Directory, TokenizerFileName) : null;

    /// <summary>
    /// Opens the checkpoint in <paramref name="directory"/>: parses config.json (unsupported
    /// architectures fail here), opens the safetensors file(s) (truncated files fail here), and
    /// checks tokenizer.json's token ids fit the embedding.
    /// </summary>
    public static GptNeoXCheckpoint Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Checkpoint folder '{directory}' does not exist. Pass a Hugging Face GPT-NeoX folder (config.json, model.safetensors, tokenizer.json).");
        var config = GptNeoXConfig.Load(Path.Combine(directory, ConfigFileName));
        var files = new List<SafeTensorsFile>();
        var byTensor = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var file in WeightFiles(directory))
            {
                var st = SafeTensorsFile.Open(file);
                files.Add(st);
                foreach (var name in st.Tensors.Keys) byTensor[name] = st;
            }
            var checkpoint = new GptNeoXCheckpoint(directory, config, files, byTensor);
            if (checkpoint.TokenizerPath is { } tok) CheckTokenizer(tok, config);
            return checkpoint;
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    /// <summary>Reads tensor <paramref name="name"/> as float32, checking it has <paramref name="shape"/>.</summary>
    public float[] Read(string name, params long[] shape)
    {
        if (!_byTensor.TryGetValue(name, out var file))
            throw new InvalidDataException($"Checkpoint '{Directory}' has no tensor '{name}' (expected shape [{string.Join(", ", shape)}]). Is this a GPTNeoXForCausalLM checkpoint saved by Hugging Face Transformers?");
        var info = file.Get(name);
        if (!info.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"Checkpoint '{Directory}': tensor '{name}' has shape {info.ShapeText}; config.json implies [{string.Join(", ", shape)}].");
        return file.ReadSingles(name);
    }

    /// <summary>True when the checkpoint holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byTensor.ContainsKey(name);

    /// <summary>The largest token id tokenizer.json can produce (model vocab and added tokens), or -1 when it lists none.</summary>
    public static int MaxTokenizerId(string tokenizerJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        int max = -1;
        if (doc.RootElement.TryGetProperty("model", out var model) && model.TryGetProperty("vocab", out var vocab))
        {
            if (vocab.ValueKind == JsonValueKind.Object)
                foreach (var p in vocab.EnumerateObject()) max = Math.Max(max, p.Value.GetInt32());
            else if (vocab.ValueKind == JsonValueKind.Array) // Unigram: [[piece, score], ...]
                max = Math.Max(max, vocab.GetArrayLength() - 1);
        }
        if (doc.RootElement.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            foreach (var t in added.EnumerateArray())
                if (t.TryGetProperty("id", out var id)) max = Math.Max(max, id.GetInt32());
        return max;
    }

    static void CheckTokenizer(string path, GptNeoXConfig config)
    {
        int max;
        try { max = MaxTokenizerId(path); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid tokenizer JSON: {e.Message}", e); }
        // Pythia pads the embedding (50304 rows for 50277 tokens), so fewer tokens than rows is normal.
        if (max >= config.VocabSize)
            throw new InvalidDataException(
                $"'{path}' produces token ids up to {max}, but the embedding has only vocab_size = {config.VocabSize} rows. " +
                "The tokenizer does not belong to this checkpoint; use the tokenizer.json published with the model.");
    }

    static IEnumerable<string> WeightFiles(string directory)
    {
        var single = Path.Combine(directory, WeightsFileName);
        if (File.Exists(single)) return [single];
        var index = Path.Combine(directory, IndexFileName);
        if (File.Exists(index))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map))
                throw new InvalidDataException($"'{index}' has no \"weight_map\".");
            return map.EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order(StringComparer.Ordinal)
                .Select(f => Path.Combine(directory, f)).ToArray();
        }
        var bin = Path.Combine(directory, "pytorch_model.bin");
        throw new FileNotFoundException(File.Exists(bin)
            ? $"'{directory}' holds only pytorch_model.bin; MLSae reads safetensors. Convert it once (e.g. Transformers' save_pretrained(safe_serialization=True)) or fetch a revision that has model.safetensors."
            : $"'{directory}' has neither {WeightsFileName} nor {IndexFileName}.", single);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
