namespace MLSae.Activations;

/// <summary>Keeps every chunk in memory (tests, small corpora).</summary>
public sealed class InMemoryActivationSink : IActivationSink
{
    /// <summary>The chunks in arrival order.</summary>
    public List<ActivationChunk> Chunks { get; } = [];

    /// <summary>The summary passed to <see cref="Complete"/>; null until then.</summary>
    public ExtractionSummary? Summary { get; private set; }

    /// <summary>Rows received.</summary>
    public long Rows => Chunks.Sum(c => (long)c.Rows);

    /// <inheritdoc />
    public void Write(ActivationChunk chunk) => Chunks.Add(chunk ?? throw new ArgumentNullException(nameof(chunk)));

    /// <inheritdoc />
    public void Complete(ExtractionSummary summary) => Summary = summary;

    /// <summary>All chunks as one chunk.</summary>
    public ActivationChunk Concatenate()
    {
        int d = Chunks.Count == 0 ? 0 : Chunks[0].Dimension;
        return new ActivationChunk(
            Chunks.SelectMany(c => c.Activations).ToArray(), Chunks.SelectMany(c => c.TokenIds).ToArray(),
            Chunks.SelectMany(c => c.DocumentIds).ToArray(), Chunks.SelectMany(c => c.Positions).ToArray(), d);
    }
}
