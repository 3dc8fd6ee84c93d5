namespace MLSae.Training;

/// <summary>
/// Supplies training batches and can save and restore its position, so a resumed run reads the
/// same batches as an uninterrupted one. <see cref="ActivationStoreBatchSource"/> is the standard
/// implementation (shuffle buffer, epochs, held-out slice).
/// </summary>
public interface ITrainingBatchSource
{
    /// <summary>d.</summary>
    int Dimension { get; }

    /// <summary>Fills <paramref name="destination"/> with <paramref name="rows"/> rows (row-major).</summary>
    void NextBatch(int rows, Span<float> destination);

    /// <summary>The position now, as bytes.</summary>
    byte[] SaveState();

    /// <summary>Restores a position saved by <see cref="SaveState"/>.</summary>
    void LoadState(byte[] state);
}
