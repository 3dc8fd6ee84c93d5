namespace MLSae.Scoring;

/// <summary>What a scoring run saw: per-feature firing counts, sums and maxima over all rows.</summary>
public sealed class ScoreSummary
{
    internal ScoreSummary(int featureCount)
    {
        FiringCounts = new long[featureCount];
        ActivationSums = new double[featureCount];
        MaxActivations = new float[featureCount];
    }

    /// <summary>Rows scored.</summary>
    public long Rows { get; internal set; }
    /// <summary>Entries written to the output.</summary>
    public long EntriesWritten { get; internal set; }
    /// <summary>Per feature: rows where it was non-zero.</summary>
    public long[] FiringCounts { get; }
    /// <summary>Per feature: sum of its activations.</summary>
    public double[] ActivationSums { get; }
    /// <summary>Per feature: largest activation.</summary>
    public float[] MaxActivations { get; }
    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; internal set; }
    /// <summary>"CUDA" or "CPU".</summary>
    public string Provider { get; internal set; } = "CPU";

    /// <summary>Mean number of non-zero features per row (L0).</summary>
    public double MeanL0 => Rows == 0 ? 0 : FiringCounts.Sum() / (double)Rows;

    /// <summary>The <paramref name="count"/> features that fired on the most rows, most first.</summary>
    public IReadOnlyList<(int Feature, long Count, double MeanWhenActive, float Max)> MostActive(int count) =>
        Enumerable.Range(0, FiringCounts.Length)
            .OrderByDescending(i => FiringCounts[i]).ThenBy(i => i)
            .Take(count)
            .Select(i => (i, FiringCounts[i], FiringCounts[i] == 0 ? 0 : ActivationSums[i] / FiringCounts[i], MaxActivations[i]))
            .ToArray();

    internal void Add(ReadOnlySpan<float> features, int rows, int m)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = features.Slice(r * m, m);
            for (int i = 0; i < m; i++)
            {
                float v = row[i];
                if (v == 0) continue;
                FiringCounts[i]++;
                ActivationSums[i] += v;
                if (v > MaxActivations[i]) MaxActivations[i] = v;
            }
        }
        Rows += rows;
    }
}
