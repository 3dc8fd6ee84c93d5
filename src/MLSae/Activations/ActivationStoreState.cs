using System.Text.Json;

namespace MLSae.Activations;

/// <summary>
/// Where an <see cref="ActivationStore"/> stands in its row stream: everything
/// <see cref="ActivationStore.Restore"/> needs to continue with exactly the batches an
/// uninterrupted store would have served next. Small (a few numbers): store it in every checkpoint.
/// </summary>
/// <remarks>
/// The stream is a pure function of (source rows, options, seed), so the position is just
/// (<see cref="Epoch"/>, <see cref="RowInEpoch"/>); the shuffle buffer is not saved but rebuilt on
/// restore (one buffer fill). The other fields are the configuration the position is valid for;
/// restore refuses a state whose configuration differs. <see cref="ActivationStoreOptions.BatchSize"/>
/// is not part of the position: the row stream does not depend on it.
/// </remarks>
/// <param name="Version">State format version (1).</param>
/// <param name="Seed">The shuffle seed.</param>
/// <param name="Shuffle">Whether rows are shuffled.</param>
/// <param name="Epoch">0-based epoch of the next row to serve.</param>
/// <param name="RowInEpoch">Rows of that epoch already served.</param>
/// <param name="TrainingRows">Training rows per epoch.</param>
/// <param name="HeldOutRows">Held-out rows at the end of the source.</param>
/// <param name="ShuffleBufferRows">Shuffle buffer size.</param>
/// <param name="ChunkRows">Contiguous rows per chunk.</param>
public sealed record ActivationStoreState(int Version, long Seed, bool Shuffle, long Epoch, long RowInEpoch, long TrainingRows, long HeldOutRows, int ShuffleBufferRows, int ChunkRows)
{
    /// <summary>The current state format version.</summary>
    public const int CurrentVersion = 1;

    static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>One-line JSON, for checkpoint metadata.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Parses <see cref="ToJson"/> output; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static ActivationStoreState FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ActivationStoreState>(json, s_json)
                ?? throw new InvalidDataException("The activation store state is JSON null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The activation store state is not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>The state as 9 int64 values (e.g. an I64 tensor in a safetensors checkpoint).</summary>
    public long[] ToInt64Array() => [Version, Seed, Shuffle ? 1 : 0, Epoch, RowInEpoch, TrainingRows, HeldOutRows, ShuffleBufferRows, ChunkRows];

    /// <summary>The inverse of <see cref="ToInt64Array"/>.</summary>
    public static ActivationStoreState FromInt64Array(ReadOnlySpan<long> v)
    {
        if (v.Length != 9)
            throw new InvalidDataException($"An activation store state has 9 int64 values, not {v.Length}.");
        return new ActivationStoreState((int)v[0], v[1], v[2] != 0, v[3], v[4], v[5], v[6], checked((int)v[7]), checked((int)v[8]));
    }
}
