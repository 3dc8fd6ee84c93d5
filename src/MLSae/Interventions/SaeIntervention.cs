using System.Globalization;
using MLSae.Models;

namespace MLSae.Interventions;

/// <summary>
/// Edits of SAE latents applied at the hook with the SAE's error term kept:
/// x' = x + (f' - f) W_dec, where f are x's codes and f' the edited codes. The decoder bias cancels,
/// so x' = decode(f') + (x - decode(f)) exactly as SAEBench's ablation computes it, and an empty
/// intervention leaves x unchanged. Every edit is f'_j = a_j f_j + c_j [f_j &gt; 0] + e_j (see
/// <see cref="Multipliers"/>, <see cref="ActiveValues"/>, <see cref="Offsets"/>); only the edited
/// latents are touched, so the cost is O(edits x d) per position whatever m is.
/// </summary>
public sealed class SaeIntervention
{
    /// <summary>Builds an intervention; each latent may be edited once.</summary>
    public SaeIntervention(IEnumerable<LatentEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(edits);
        Edits = [.. edits];
        var seen = new HashSet<int>();
        foreach (var e in Edits)
        {
            if (e.Latent < 0) throw new ArgumentOutOfRangeException(nameof(edits), $"Latent {e.Latent} is negative.");
            if (!seen.Add(e.Latent)) throw new ArgumentException($"Latent {e.Latent} is edited more than once; give one edit per latent.", nameof(edits));
            if (!float.IsFinite(e.Value)) throw new ArgumentException($"Latent {e.Latent}: the value {e.Value} is not finite.", nameof(edits));
        }
        Latents = [.. Edits.Select(e => e.Latent)];
        Multipliers = [.. Edits.Select(e => e.Kind switch { LatentEditKind.Scale => e.Value, LatentEditKind.Add => 1f, _ => 0f })];
        ActiveValues = [.. Edits.Select(e => e.Kind == LatentEditKind.ClampActive ? e.Value : 0f)];
        Offsets = [.. Edits.Select(e => e.Kind switch { LatentEditKind.Clamp or LatentEditKind.Add => e.Value, _ => 0f })];
    }

    /// <summary>No edits: the hook keeps its value.</summary>
    public static SaeIntervention Empty { get; } = new([]);

    /// <summary>Zero ablation of <paramref name="latents"/>.</summary>
    public static SaeIntervention Ablate(IEnumerable<int> latents) => new(latents.Select(LatentEdit.Zero));

    /// <summary>The edits, in the order given.</summary>
    public IReadOnlyList<LatentEdit> Edits { get; }
    /// <summary>Edited latent indices.</summary>
    public int[] Latents { get; }
    /// <summary>a_j per edited latent.</summary>
    public float[] Multipliers { get; }
    /// <summary>c_j per edited latent (added where the latent fires; codes are non-negative, so with a_j = 0 this clamps active positions).</summary>
    public float[] ActiveValues { get; }
    /// <summary>e_j per edited latent (added everywhere).</summary>
    public float[] Offsets { get; }
    /// <summary>True when every edit is linear in f (no <see cref="LatentEditKind.ClampActive"/>), so it commutes with mean pooling.</summary>
    public bool IsLinear => Edits.All(e => e.Kind != LatentEditKind.ClampActive);

    /// <summary>Checks every latent against the SAE's width m.</summary>
    public void Validate(int featureCount)
    {
        foreach (var e in Edits)
            if (e.Latent >= featureCount)
                throw new ArgumentOutOfRangeException(nameof(featureCount), $"Latent {e.Latent} is out of range: the SAE has m = {featureCount} latents (0..{featureCount - 1}).");
    }

    /// <summary>f'_j - f_j for edited latent number <paramref name="k"/> given its code <paramref name="f"/>.</summary>
    public float Delta(int k, float f) => (Multipliers[k] - 1f) * f + (f > 0 ? ActiveValues[k] : 0f) + Offsets[k];

    /// <summary>
    /// Applies the intervention in place to <paramref name="rows"/> rows of <paramref name="x"/> ([rows, d]) whose
    /// codes are <paramref name="codes"/> ([rows, m]). For a linear intervention, mean-pooled x and codes may be
    /// passed: the result is the mean of the edited rows.
    /// </summary>
    public void Apply(SaeWeights sae, Span<float> x, ReadOnlySpan<float> codes, int rows)
    {
        ArgumentNullException.ThrowIfNull(sae);
        Validate(sae.FeatureCount);
        int d = sae.InputDim, m = sae.FeatureCount;
        if (x.Length < (long)rows * d || codes.Length < (long)rows * m)
            throw new ArgumentException($"{rows} rows need {(long)rows * d} activations and {(long)rows * m} codes; got {x.Length} and {codes.Length}.");
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * d, d);
            for (int k = 0; k < Latents.Length; k++)
            {
                float delta = Delta(k, codes[r * m + Latents[k]]);
                if (delta == 0) continue;
                var dir = sae.DecoderRow(Latents[k]);
                for (int j = 0; j < d; j++) row[j] += delta * dir[j];
            }
        }
    }

    /// <summary>
    /// Parses the CLI form: edits separated by ';' or ',', each <c>zero:J</c>, <c>clamp:J=V</c>,
    /// <c>clamp-active:J=V</c>, <c>scale:J=S</c> or <c>add:J=A</c> (J a latent index).
    /// </summary>
    public static SaeIntervention Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var edits = new List<LatentEdit>();
        foreach (var raw in text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = raw.IndexOf(':');
            if (colon <= 0) throw new FormatException($"Edit '{raw}' has no kind; write zero:J, clamp:J=V, clamp-active:J=V, scale:J=S or add:J=A.");
            string kind = raw[..colon].ToLowerInvariant(), rest = raw[(colon + 1)..];
            if (kind is not ("zero" or "clamp" or "clamp-active" or "scale" or "add"))
                throw new FormatException($"Edit '{raw}': unknown kind '{kind}'; use zero, clamp, clamp-active, scale or add.");
            int eq = rest.IndexOf('=');
            string latentText = eq < 0 ? rest : rest[..eq];
            if (!int.TryParse(latentText, NumberStyles.None, CultureInfo.InvariantCulture, out int latent))
                throw new FormatException($"Edit '{raw}': '{latentText}' is not a latent index (a non-negative integer).");
            float value = 0;
            if (kind != "zero")
            {
                if (eq < 0 || !float.TryParse(rest[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                    throw new FormatException($"Edit '{raw}': {kind} needs a number after '=', e.g. {kind}:{latent}=2.");
            }
            else if (eq >= 0) throw new FormatException($"Edit '{raw}': zero takes no value; write zero:{latent}.");
            edits.Add(kind switch
            {
                "zero" => LatentEdit.Zero(latent),
                "clamp" => LatentEdit.Clamp(latent, value),
                "clamp-active" => LatentEdit.ClampActive(latent, value),
                "scale" => LatentEdit.Scale(latent, value),
                _ => LatentEdit.Add(latent, value),
            });
        }
        return new SaeIntervention(edits);
    }
}
