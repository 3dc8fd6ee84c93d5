using MLSae.Activations;

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
    public static TransformerModel FromGptNeoXCheckpoint(string directory, string? tokenizerPath = null) =>
        ModelSources.FromGptNeoXCheckpoint(directory, tokenizerPath, logitsOnly: true);
}
