namespace MLSae.Activations;

/// <summary>
/// Where extraction puts its rows: the activation cache writer in the CLI, an
/// <see cref="InMemoryActivationSink"/> in tests. Chunks arrive in corpus order; the extractor
/// reuses no chunk arrays after handing them over, so a sink may keep them.
/// </summary>
public interface IActivationSink
{
    /// <summary>Takes the next rows.</summary>
    void Write(ActivationChunk chunk);

    /// <summary>Called once after the last chunk when extraction finished without error.</summary>
    void Complete(ExtractionSummary summary);
}
