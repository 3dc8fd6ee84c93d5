using MLSae.Diagnostics;
using MLSae.Evaluation.Probing;
using MLSae.Models;

namespace MLSae.Evaluation.Concepts;

/// <summary>
/// Texts as mean-pooled hook activations (<see cref="Raw"/>, [Count, d]) and mean-pooled SAE codes
/// (<see cref="Codes"/>, [Count, m]) with their label values, what SAEBench's SCR and TPP read
/// (activations averaged over non-special tokens). Because the SAE decoder is linear, zero-ablating
/// latents and keeping the SAE error commutes with pooling: the pooled edited activation is
/// <see cref="Raw"/> minus the pooled codes of the ablated latents times their decoder rows
/// (<see cref="Interventions.SaeIntervention.Apply"/>), so no per-token data is kept.
/// </summary>
public sealed class ConceptData
{
    /// <summary>Wraps pooled arrays after checking their shapes.</summary>
    public ConceptData(float[] raw, float[] codes, string[][] labels, SaeWeights sae)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sae);
        if (raw.LongLength != (long)labels.Length * sae.InputDim || codes.LongLength != (long)labels.Length * sae.FeatureCount)
            throw new ArgumentException($"{labels.Length} texts need {(long)labels.Length * sae.InputDim} pooled activations and {(long)labels.Length * sae.FeatureCount} pooled codes; got {raw.LongLength} and {codes.LongLength}.");
        Raw = raw; Codes = codes; Labels = labels; Sae = sae;
    }

    /// <summary>Mean-pooled activations, [Count, d].</summary>
    public float[] Raw { get; }
    /// <summary>Mean-pooled codes of <see cref="Sae"/>, [Count, m].</summary>
    public float[] Codes { get; }
    /// <summary>Per text, the label values in column order.</summary>
    public string[][] Labels { get; }
    /// <summary>The SAE whose codes these are.</summary>
    public SaeWeights Sae { get; }
    /// <summary>Number of texts.</summary>
    public int Count => Labels.Length;

    /// <summary>
    /// Runs every text through <paramref name="model"/> (the hook's activations) and <paramref name="sae"/> on the CPU,
    /// pooling per text; texts without tokens are dropped. Memory: Count x (d + m) floats.
    /// </summary>
    public static ConceptData Build(IReadOnlyList<ConceptText> texts, ITextActivationSource model, SaeWeights sae, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(sae);
        // The probing builder pools; each text's index rides in its label so dropped texts are accounted for.
        var indexed = texts.Select((t, i) => new LabeledText(t.Text, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var pooled = ProbingDataBuilder.Build(indexed, model, new SaeCpuForward(sae), progress);
        var labels = pooled.Labels.Select(l => texts[int.Parse(l, System.Globalization.CultureInfo.InvariantCulture)].Labels).ToArray();
        return new ConceptData(pooled.Raw, pooled.Codes, labels, sae);
    }
}
