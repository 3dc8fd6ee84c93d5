using System.Globalization;

namespace MLSae.Activations;

/// <summary>
/// One of <see cref="Count"/> contiguous slices of a corpus by document: shard i holds documents
/// [n·i/N, n·(i+1)/N) of the n documents in corpus order, with their corpus-wide ids, so the shards' rows one after
/// another are the unsharded extraction's rows in the same order (for encoder models, whose contexts never span two
/// documents; a causal model's packing restarts at each shard's first document, see docs/scale.md). Selecting counts the
/// documents first (one read of the corpus without tokenising).
/// </summary>
/// <param name="Index">0-based shard index, less than <paramref name="Count"/>.</param>
/// <param name="Count">Number of shards, at least 1.</param>
public sealed record CorpusShard(int Index, int Count)
{
    /// <summary>Kubernetes Indexed Jobs set this to the pod's completion index (0-based).</summary>
    public const string KubernetesIndexVariable = "JOB_COMPLETION_INDEX";
    /// <summary>Slurm job arrays set this to the array task id.</summary>
    public const string SlurmIndexVariable = "SLURM_ARRAY_TASK_ID";
    /// <summary>The array's first task id (subtracted, so --array=1-N works as well as 0-(N-1)).</summary>
    public const string SlurmMinimumVariable = "SLURM_ARRAY_TASK_MIN";

    /// <summary>
    /// Parses "I/N" or "auto/N"; auto takes I from <see cref="KubernetesIndexVariable"/>, else from
    /// <see cref="SlurmIndexVariable"/> minus <see cref="SlurmMinimumVariable"/>. <paramref name="environment"/> reads a
    /// variable (default: the process environment).
    /// </summary>
    /// <exception cref="ArgumentException">Not of that form, I outside [0, N), or auto without either variable.</exception>
    public static CorpusShard Parse(string spec, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var parts = (spec ?? "").Split('/');
        if (parts.Length != 2 || !TryInt(parts[1], out int count) || count < 1)
            throw new ArgumentException($"Shard '{spec}' must be I/N or auto/N with N >= 1 (e.g. 0/8, auto/8).");
        int index;
        if (parts[0].Trim().Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            if (environment(KubernetesIndexVariable) is { Length: > 0 } k)
                index = TryInt(k, out int i) ? i : throw new ArgumentException($"{KubernetesIndexVariable}='{k}' is not a shard index.");
            else if (environment(SlurmIndexVariable) is { Length: > 0 } s)
            {
                int min = environment(SlurmMinimumVariable) is { Length: > 0 } m && TryInt(m, out int mv) ? mv : 0;
                index = TryInt(s, out int sv) ? sv - min : throw new ArgumentException($"{SlurmIndexVariable}='{s}' is not a shard index.");
            }
            else
                throw new ArgumentException($"Shard '{spec}' takes its index from {KubernetesIndexVariable} (Kubernetes Indexed Job) or {SlurmIndexVariable} (Slurm array), and neither is set. Give the index: I/{count}.");
        }
        else if (!TryInt(parts[0], out index))
            throw new ArgumentException($"Shard '{spec}' must be I/N or auto/N with N >= 1 (e.g. 0/8, auto/8).");
        if (index < 0 || index >= count)
            throw new ArgumentException($"Shard index {index} is outside [0, {count}) (shard '{spec}').");
        return new CorpusShard(index, count);
    }

    static bool TryInt(string s, out int value) => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>The documents [First, End) of this shard among <paramref name="documentCount"/>.</summary>
    public (long First, long End) DocumentRange(long documentCount) =>
        (documentCount * Index / Count, documentCount * (Index + 1) / Count);

    /// <summary>
    /// This shard's documents of the corpus <paramref name="read"/> enumerates (called twice: once to count, once to
    /// select; reading stops after the shard's last document).
    /// </summary>
    public IEnumerable<TextDocument> Select(Func<IEnumerable<TextDocument>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var (first, end) = DocumentRange(read().LongCount());
        return read().SkipWhile(d => d.Id < first).TakeWhile(d => d.Id < end);
    }

    /// <summary>"I/N".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
