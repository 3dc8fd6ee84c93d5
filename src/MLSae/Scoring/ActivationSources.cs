using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Scoring;

/// <summary>
/// Opens activations for scoring and evaluation: an activation-cache folder (see
/// <see cref="ActivationCache"/>) or a .safetensors file holding one 2-D float tensor [rows, d].
/// </summary>
public static class ActivationSources
{
    /// <summary>Opens <paramref name="path"/> (a cache folder or a .safetensors file).</summary>
    public static IActivationSource Open(string path)
    {
        if (Directory.Exists(path))
            return ActivationCache.Open(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Activations '{path}' do not exist. Pass an activation-cache folder or a .safetensors file with one [rows, d] tensor.", path);
        return FromSafeTensors(path);
    }

    /// <summary>Reads the single 2-D float tensor (or the one named "activations") of a safetensors file into memory.</summary>
    public static IActivationSource FromSafeTensors(string path, string? tensorName = null)
    {
        using var f = SafeTensorsFile.Open(path);
        var candidates = f.Tensors.Values.Where(t => t.Shape.Length == 2 && t.DType is SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16).ToList();
        var t = tensorName is not null ? f.Get(tensorName)
            : f.Contains("activations") ? f.Get("activations")
            : candidates.Count == 1 ? candidates[0]
            : throw new InvalidDataException($"'{path}' holds {candidates.Count} 2-D float tensors; name one \"activations\" or pass its name.");
        if (t.Shape.Length != 2) throw new InvalidDataException($"'{path}': tensor '{t.Name}' has shape {t.ShapeText}; expected [rows, d].");
        var values = f.ReadSingles(t.Name);
        int d = checked((int)t.Shape[1]);
        if (NonFiniteValues.IndexOfFirst(values) is >= 0 and var bad)
            throw new InvalidDataException($"The activation data is at fault: '{path}' tensor '{t.Name}' row {bad / d} holds {NonFiniteValues.Describe(values[bad])} " +
                $"in column {bad % d}. NaN and infinite activations cannot be scored or evaluated; fix or drop those rows.");
        return new InMemoryActivationSource(values, d);
    }
}
