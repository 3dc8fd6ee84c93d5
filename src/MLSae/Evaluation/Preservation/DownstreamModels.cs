using MLSae.Activations;
using MLSae.Transformers.GptNeoX;

namespace MLSae.Evaluation.Preservation;

/// <summary>
/// Model sources for downstream preservation. Like <see cref="ModelSources.Resolve"/>, except that a
/// <c>pythia:DIR</c> checkpoint is built with its <c>logits</c> output (extraction builds it without),
/// under the same name <c>pythia:FULLPATH</c>.
/// </summary>
public static class DownstreamModels
{
    /// <summary>Resolves <paramref name="spec"/> (see <see cref="ModelSources.ValidForms"/>) with the outputs preservation compares.</summary>
    public static TransformerModel Resolve(string spec, string? tokenizerPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        int colon = spec.IndexOf(':');
        if (colon > 1 && spec[..colon].Equals(ModelSources.PythiaScheme, StringComparison.OrdinalIgnoreCase))
            return FromGptNeoXCheckpoint(spec[(colon + 1)..], tokenizerPath);
        return ModelSources.Resolve(spec, tokenizerPath);
    }

    /// <summary>A GPT-NeoX checkpoint folder as a model whose only output is <c>logits</c>.</summary>
    public static TransformerModel FromGptNeoXCheckpoint(string directory, string? tokenizerPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        using var checkpoint = GptNeoXCheckpoint.Load(full);
        tokenizerPath ??= checkpoint.TokenizerPath ?? throw new FileNotFoundException(
            $"Checkpoint '{full}' has no {GptNeoXCheckpoint.TokenizerFileName}. Put the model's tokenizer.json in the folder or pass the tokenizer path.");
        var bytes = GptNeoXOnnxBuilder.BuildBytes(checkpoint, new GptNeoXBuildOptions
        {
            Hooks = [],
            IncludeLogits = true,
            ModelName = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)),
        });
        return new TransformerModel($"{ModelSources.PythiaScheme}:{full}", bytes, ModelSources.LoadTokenizer(tokenizerPath), ArchitectureFamily.GptNeoX);
    }
}
