using MLSae.Activations;

namespace MLSae.Training;

/// <summary>
/// Supplies training batches and can save and restore its position, so a resumed run reads the
/// same batches as an uninterrupted one. <see cref="ShuffledBatchSource"/> is the simple
/// implementation; the activation store (shuffle buffer, epochs, held-out slice) plugs in here.
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

/// <summary>
/// Reads an <see cref="IActivationSource"/> in a seeded pseudo-random order without storing a
/// permutation: epoch e visits row (a_e i + b_e) mod N, with a_e coprime to N. Epochs repeat with fresh (a, b).
/// </summary>
public sealed class ShuffledBatchSource : ITrainingBatchSource
{
    readonly IActivationSource _source;
    readonly ulong _seed;
    long _epoch, _position, _a, _b;

    /// <summary>Wraps <paramref name="source"/>; <paramref name="seed"/> fixes the order.</summary>
    public ShuffledBatchSource(IActivationSource source, int seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.RowCount <= 0) throw new ArgumentException("The activation source has no rows; extract activations first.", nameof(source));
        _source = source;
        _seed = (ulong)seed;
        StartEpoch(0);
    }

    /// <inheritdoc />
    public int Dimension => _source.Dimension;

    void StartEpoch(long epoch)
    {
        _epoch = epoch;
        _position = 0;
        long n = _source.RowCount;
        var rng = new SplitMix64(_seed ^ (0x9E3779B97F4A7C15UL * (ulong)(epoch + 1)));
        if (n == 1) { _a = 1; _b = 0; return; }
        do _a = (long)(rng.Next() % (ulong)(n - 1)) + 1; while (Gcd(_a, n) != 1);
        _b = (long)(rng.Next() % (ulong)n);
    }

    /// <inheritdoc />
    public void NextBatch(int rows, Span<float> destination)
    {
        int d = Dimension;
        long n = _source.RowCount;
        for (int r = 0; r < rows; r++)
        {
            if (_position == n) StartEpoch(_epoch + 1);
            long row = (long)(((UInt128)(ulong)_a * (ulong)_position + (ulong)_b) % (ulong)n);
            _source.ReadRows(row, 1, destination.Slice(r * d, d));
            _position++;
        }
    }

    /// <inheritdoc />
    public byte[] SaveState()
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), _epoch);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 8), _position);
        return bytes;
    }

    /// <inheritdoc />
    public void LoadState(byte[] state)
    {
        if (state.Length != 16) throw new ArgumentException("Not a ShuffledBatchSource state (expected 16 bytes).", nameof(state));
        StartEpoch(BitConverter.ToInt64(state, 0));
        _position = BitConverter.ToInt64(state, 8);
    }

    static long Gcd(long a, long b) { while (b != 0) (a, b) = (b, a % b); return a; }
}

/// <summary>A tiny deterministic generator whose whole state is one ulong (easy to checkpoint).</summary>
public struct SplitMix64(ulong state)
{
    /// <summary>The state; set it to restore.</summary>
    public ulong State = state;

    /// <summary>Next 64 random bits.</summary>
    public ulong Next()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
