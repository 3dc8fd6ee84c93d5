namespace MLSae.Activations.Cache;

/// <summary>Extraction straight into an activation cache: the <see cref="IActivationSink"/> the CLI uses.</summary>
public sealed class ActivationCacheSink : IActivationSink, IDisposable
{
    /// <summary>Creates (or, with <see cref="ActivationCacheWriterOptions.Resume"/>, reopens) the cache in <paramref name="directory"/>.</summary>
    public ActivationCacheSink(string directory, ActivationCacheWriterOptions options) =>
        Writer = ActivationCacheWriter.Create(directory, options);

    /// <summary>The underlying writer (resume position, rows written).</summary>
    public ActivationCacheWriter Writer { get; }

    /// <inheritdoc />
    public void Write(ActivationChunk chunk) => Writer.Append(chunk);

    /// <inheritdoc />
    public void Complete(ExtractionSummary summary)
    {
        Writer.SpecialTokensExcluded = summary.SpecialTokensSkipped;
        Writer.Complete();
    }

    /// <summary>Discards a partly filled shard; committed shards stay and can be resumed.</summary>
    public void Dispose() => Writer.Dispose();
}
