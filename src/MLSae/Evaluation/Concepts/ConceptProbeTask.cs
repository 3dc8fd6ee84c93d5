using MLSae.Evaluation.Probing;
using MLSae.Interventions;

namespace MLSae.Evaluation.Concepts;

/// <summary>A binary probing task over rows of <see cref="ConceptData"/>: positive and negative training and test rows.</summary>
internal sealed record ConceptProbeTask(string Name, int[] TrainPositive, int[] TrainNegative, int[] TestPositive, int[] TestNegative)
{
    public int[] Train => [.. TrainPositive, .. TrainNegative];
    public int[] Test => [.. TestPositive, .. TestNegative];

    /// <summary>Row-indexed labels (only this task's rows are meaningful).</summary>
    public bool[] IsPositive(int count)
    {
        var y = new bool[count];
        foreach (var r in TrainPositive) y[r] = true;
        foreach (var r in TestPositive) y[r] = true;
        return y;
    }

    /// <summary>Fits a logistic probe on the pooled activations of the training rows.</summary>
    public StandardizedProbe Fit(ConceptData data, double l2)
    {
        int d = data.Sae.InputDim;
        return StandardizedProbe.Fit(data.Raw, d, Enumerable.Range(0, d).ToArray(), Train, IsPositive(data.Count), l2);
    }

    /// <summary>Test accuracy of <paramref name="probe"/> on <paramref name="raw"/> (the pooled activations, edited or not).</summary>
    public double Accuracy(StandardizedProbe probe, float[] raw, int count, int d) => probe.Accuracy(raw, d, Test, IsPositive(count));
}

/// <summary>Pooled activations with latents ablated (SAE error kept) on chosen rows.</summary>
internal static class ConceptAblation
{
    /// <summary>A copy of <see cref="ConceptData.Raw"/> with <paramref name="latents"/> zero-ablated on <paramref name="rows"/>.</summary>
    public static float[] Ablate(ConceptData data, int[] latents, IEnumerable<int> rows)
    {
        var edited = (float[])data.Raw.Clone();
        if (latents.Length == 0) return edited;
        var intervention = SaeIntervention.Ablate(latents);
        int d = data.Sae.InputDim, m = data.Sae.FeatureCount;
        foreach (var r in rows)
            intervention.Apply(data.Sae, edited.AsSpan(r * d, d), data.Codes.AsSpan(r * m, m), 1);
        return edited;
    }
}
