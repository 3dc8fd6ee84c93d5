using System.Collections.Concurrent;
using MLSae.Transformers.GptNeoX;

namespace MLSae.Activations;

/// <summary>
/// Turns a model spec from the command line into a <see cref="TransformerModel"/>. Built in:
/// <c>minilm-l6</c>, <c>onnx:MODEL.onnx</c> (tokenizer from <c>tokenizerPath</c>, else a
/// vocab.txt or tokenizer.json beside the model) and <c>pythia:DIR</c> (a Hugging Face GPT-NeoX
/// checkpoint folder, turned into ONNX in memory; see <see cref="FromGptNeoXCheckpoint"/>). Its graphs
/// name hook tensors exactly like the hooks (<c>blocks.{L}.hook_resid_post</c>), which the hook
/// resolver tries first. Other schemes plug in through <see cref="RegisterScheme"/>.
/// </summary>
public static class ModelSources
{
    /// <summary>The scheme of an ONNX file plus tokenizer file.</summary>
    public const string OnnxScheme = "onnx";
    /// <summary>The scheme reserved for Pythia checkpoints (registered by the Pythia component).</summary>
    public const string PythiaScheme = "pythia";

    static readonly ConcurrentDictionary<string, Func<string, string?, TransformerModel>> s_schemes = new(StringComparer.OrdinalIgnoreCase);
    static readonly Lazy<TransformerModel> s_miniLm = new(CreateMiniLm);

    static ModelSources() => s_schemes[PythiaScheme] = (directory, tokenizer) => FromGptNeoXCheckpoint(directory, tokenizer);

    /// <summary>
    /// Adds a scheme: <paramref name="factory"/> receives the text after "scheme:" and the optional
    /// tokenizer path. Re-registering a scheme replaces it.
    /// </summary>
    public static void RegisterScheme(string scheme, Func<string, string?, TransformerModel> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(factory);
        if (scheme.Equals(OnnxScheme, StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"'{OnnxScheme}' is built in.", nameof(scheme));
        s_schemes[scheme] = factory;
    }

    /// <summary>The forms <see cref="Resolve"/> accepts, for help and error messages.</summary>
    public static IReadOnlyList<string> ValidForms =>
    [
        MiniLmResources.Name,
        $"{OnnxScheme}:MODEL.onnx (with its tokenizer, vocab.txt or tokenizer.json, beside the model or given separately)",
        .. s_schemes.Keys.Order().Select(k => $"{k}:PATH"),
    ];

    /// <summary>Resolves <paramref name="spec"/>; <paramref name="tokenizerPath"/> overrides the tokenizer file.</summary>
    public static TransformerModel Resolve(string spec, string? tokenizerPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (spec.Equals(MiniLmResources.Name, StringComparison.OrdinalIgnoreCase))
            return tokenizerPath is null ? s_miniLm.Value : new TransformerModel(MiniLmResources.Name, MiniLmResources.ModelBytes, LoadTokenizer(tokenizerPath), ArchitectureFamily.Bert);
        int colon = spec.IndexOf(':');
        if (colon > 1)   // "C:\..." style paths have the colon at 1
        {
            var scheme = spec[..colon];
            var rest = spec[(colon + 1)..];
            if (scheme.Equals(OnnxScheme, StringComparison.OrdinalIgnoreCase)) return FromOnnxFile(rest, tokenizerPath);
            if (s_schemes.TryGetValue(scheme, out var factory)) return factory(rest, tokenizerPath);
        }
        if (spec.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && File.Exists(spec)) return FromOnnxFile(spec, tokenizerPath);
        throw new ArgumentException($"Unknown model '{spec}'. Valid forms: {string.Join("; ", ValidForms)}.", nameof(spec));
    }

    /// <summary>An ONNX file plus its tokenizer (explicit, or vocab.txt / tokenizer.json beside it).</summary>
    public static TransformerModel FromOnnxFile(string onnxPath, string? tokenizerPath = null)
    {
        if (!File.Exists(onnxPath))
            throw new FileNotFoundException($"ONNX model '{onnxPath}' does not exist. Pass onnx:PATH to an existing .onnx file.", onnxPath);
        if (tokenizerPath is null)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(onnxPath))!;
            tokenizerPath = new[] { "tokenizer.json", "vocab.txt" }.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException($"No tokenizer for '{onnxPath}': pass the tokenizerPath argument with a vocab.txt (WordPiece) or tokenizer.json (BPE), or put one beside the model.");
        }
        var bytes = File.ReadAllBytes(onnxPath);
        return new TransformerModel(Path.GetFileNameWithoutExtension(onnxPath), bytes, LoadTokenizer(tokenizerPath));
    }

    /// <summary>
    /// A GPT-NeoX / Pythia checkpoint folder (config.json, safetensors, tokenizer.json) as a model:
    /// the ONNX graph is built in memory with every hook as an output and no logits (extraction
    /// prunes it to the hook it reads). The model's <see cref="TransformerModel.Name"/> is
    /// <c>pythia:FULLPATH</c>, so caches record a spec <see cref="Resolve"/> accepts again.
    /// With <paramref name="logitsOnly"/>, the graph's only output is <c>logits</c> instead (what
    /// downstream preservation compares).
    /// </summary>
    public static TransformerModel FromGptNeoXCheckpoint(string directory, string? tokenizerPath = null, bool logitsOnly = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        using var checkpoint = GptNeoXCheckpoint.Load(full);
        tokenizerPath ??= checkpoint.TokenizerPath ?? throw new FileNotFoundException(
            $"Checkpoint '{full}' has no {GptNeoXCheckpoint.TokenizerFileName}. Put the model's tokenizer.json in the folder or pass the tokenizerPath argument.");
        var bytes = GptNeoXOnnxBuilder.BuildBytes(checkpoint, logitsOnly ? new GptNeoXBuildOptions
        {
            Hooks = [],
            IncludeLogits = true,
            ModelName = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)),
        } : new GptNeoXBuildOptions
        {
            IncludeLogits = false,
            ModelName = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)),
        });
        return new TransformerModel($"{PythiaScheme}:{full}", bytes, LoadTokenizer(tokenizerPath), ArchitectureFamily.GptNeoX);
    }

    /// <summary>
    /// The tokenizer of <paramref name="spec"/> without building the model where that is cheaper
    /// (pythia: reads only tokenizer.json; onnx: the file beside the model). For decoding token ids.
    /// </summary>
    public static ModelTokenizer ResolveTokenizer(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        int colon = spec.IndexOf(':');
        if (colon > 1 && spec[..colon].Equals(PythiaScheme, StringComparison.OrdinalIgnoreCase))
        {
            var path = Path.Combine(spec[(colon + 1)..], GptNeoXCheckpoint.TokenizerFileName);
            if (File.Exists(path)) return LoadTokenizer(path);
        }
        return Resolve(spec).Tokenizer;
    }

    /// <summary>Loads a vocab.txt (WordPiece, uncased) or a tokenizer.json (byte-level BPE).</summary>
    public static ModelTokenizer LoadTokenizer(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return ByteLevelBpeModelTokenizer.Create(path);
        if (path.EndsWith(".txt", StringComparison.OrdinalIgnoreCase)) return WordPieceModelTokenizer.Create(path);
        throw new ArgumentException($"Tokenizer file '{path}' is neither a vocab.txt (WordPiece) nor a tokenizer.json (BPE).", nameof(path));
    }

    static TransformerModel CreateMiniLm()
    {
        using var vocab = MiniLmResources.OpenVocab();
        return new TransformerModel(MiniLmResources.Name, MiniLmResources.ModelBytes, WordPieceModelTokenizer.Create(vocab), ArchitectureFamily.Bert);
    }
}
