using MLSae.Activations;
using MLSae.Training;

namespace MLSae.Benchmarks.Memory;

/// <summary>
/// The trainer's batch interface over an <see cref="ActivationStore"/> (the shuffle buffer over an on-disk cache),
/// serving any row count by draining store batches. For the memory probe only: no resume (the lead's batch-source
/// work wires the store into the trainer properly).
/// </summary>
sealed class StoreBatchSource(ActivationStore store) : ITrainingBatchSource
{
    readonly float[] _batch = new float[store.BatchSize * store.Dimension];
    int _next, _rows;

    public int Dimension => store.Dimension;

    public void NextBatch(int rows, Span<float> destination)
    {
        int d = Dimension;
        for (int r = 0; r < rows;)
        {
            if (_next == _rows) { _rows = store.NextBatch(_batch); _next = 0; }
            int n = Math.Min(rows - r, _rows - _next);
            _batch.AsSpan(_next * d, n * d).CopyTo(destination.Slice(r * d, n * d));
            _next += n; r += n;
        }
    }

    public byte[] SaveState() => [];

    public void LoadState(byte[] state) => throw new NotSupportedException("The memory probe does not resume.");
}
