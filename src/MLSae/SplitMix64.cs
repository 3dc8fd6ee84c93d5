namespace MLSae;

/// <summary>
/// SplitMix64: a tiny, fully specified generator whose whole state is one ulong. Used wherever a
/// run must be reproducible and resumable: shuffles come out identical on every .NET version and
/// platform (System.Random's seeded algorithm is an implementation detail), and checkpointing the
/// generator is storing <see cref="State"/>.
/// </summary>
public struct SplitMix64(ulong state)
{
    /// <summary>The state; set it to restore.</summary>
    public ulong State = state;

    /// <summary>A generator for one (seed, epoch, stream) triple, independent of every other triple.</summary>
    public static SplitMix64 ForStream(long seed, long epoch, long stream) =>
        new(Mix(Mix(Mix((ulong)seed) ^ (ulong)epoch) ^ (ulong)stream));

    /// <summary>Next 64 random bits.</summary>
    public ulong Next()
    {
        State += 0x9E3779B97F4A7C15UL;
        return Finalize(State);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, bound), unbiased (Lemire's multiply-and-reject).</summary>
    public int NextInt(int bound)
    {
        uint b = (uint)bound;
        ulong m = (Next() >> 32) * b;
        uint low = (uint)m;
        if (low < b)
        {
            uint threshold = (0u - b) % b;
            while (low < threshold)
            {
                m = (Next() >> 32) * b;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }

    /// <summary>Fisher-Yates shuffle of <paramref name="values"/>.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    static ulong Mix(ulong z) => Finalize(z + 0x9E3779B97F4A7C15UL);

    static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
