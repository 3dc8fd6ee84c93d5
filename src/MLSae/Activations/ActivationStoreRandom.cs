namespace MLSae.Activations;

/// <summary>
/// SplitMix64: a tiny, fully specified generator, so shuffles are identical on every .NET version
/// and platform (System.Random's seeded algorithm is an implementation detail). Each (seed, epoch,
/// stream) gets its own generator, which is what makes the store's position cheap to restore.
/// </summary>
struct ActivationStoreRandom
{
    ulong _state;

    public ActivationStoreRandom(long seed, long epoch, long stream) =>
        _state = Mix(Mix(Mix((ulong)seed) ^ (ulong)epoch) ^ (ulong)stream);

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound), unbiased (Lemire's multiply-and-reject).</summary>
    public int NextInt(int bound)
    {
        uint b = (uint)bound;
        ulong m = (NextUInt64() >> 32) * b;
        uint low = (uint)m;
        if (low < b)
        {
            uint threshold = (0u - b) % b;
            while (low < threshold)
            {
                m = (NextUInt64() >> 32) * b;
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
}
