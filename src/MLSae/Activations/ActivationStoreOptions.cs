namespace MLSae.Activations;

/// <summary>Defaults of <see cref="ActivationStoreOptions"/>.</summary>
public static class ActivationStoreDefaults
{
    /// <summary>Rows per training batch.</summary>
    public const int BatchSize = 4096;
    /// <summary>Rows held in the shuffle buffer (65,536 rows of d = 384 float32 are 96 MiB).</summary>
    public const int ShuffleBufferRows = 65_536;
    /// <summary>Rows read contiguously from the source per chunk; a buffer fill draws ShuffleBufferRows / ChunkRows chunks from random places.</summary>
    public const int ChunkRows = 512;
    /// <summary>Seed of the shuffle.</summary>
    public const int Seed = 0;
    /// <summary>Epochs to serve; 0 = unlimited (the trainer decides when to stop).</summary>
    public const int MaxEpochs = 0;
}

/// <summary>How an <see cref="ActivationStore"/> batches, shuffles and splits its source.</summary>
public sealed record ActivationStoreOptions
{
    /// <summary>Options with the defaults of <see cref="ActivationStoreDefaults"/>.</summary>
    public ActivationStoreOptions() { }

    /// <summary>Rows per batch (B).</summary>
    public int BatchSize { get; init; } = ActivationStoreDefaults.BatchSize;
    /// <summary>Rows in the shuffle buffer (S). At least <see cref="ChunkRows"/>; when it holds every training row the shuffle is a full permutation.</summary>
    public int ShuffleBufferRows { get; init; } = ActivationStoreDefaults.ShuffleBufferRows;
    /// <summary>Rows read contiguously per chunk (C).</summary>
    public int ChunkRows { get; init; } = ActivationStoreDefaults.ChunkRows;
    /// <summary>False serves training rows in source order (no shuffle); useful for baselines and debugging.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Seed of the shuffle: the same seed gives the same batches.</summary>
    public int Seed { get; init; } = ActivationStoreDefaults.Seed;
    /// <summary>Epochs to serve; 0 = unlimited.</summary>
    public int MaxEpochs { get; init; } = ActivationStoreDefaults.MaxEpochs;
    /// <summary>The last this-many rows of the source are held out from training (for validation). Exclusive with <see cref="HeldOutFraction"/>.</summary>
    public long HeldOutRows { get; init; }
    /// <summary>The last floor(fraction x rows) rows are held out, in [0, 1). Exclusive with <see cref="HeldOutRows"/>.</summary>
    public double HeldOutFraction { get; init; }
}
