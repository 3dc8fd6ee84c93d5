using System.Text;
using MLSae.Activations;

namespace MLSae.Training;

/// <summary>
/// Training batches from an <see cref="ActivationStore"/>: a seeded shuffle buffer over any
/// <see cref="IActivationSource"/> (an activation cache on disk or rows in memory), endless epochs,
/// and an optional held-out slice the trainer never sees. Its position goes into checkpoints.
/// </summary>
public sealed class ActivationStoreBatchSource : ITrainingBatchSource
{
    /// <summary>Reads batches from <paramref name="store"/>.</summary>
    public ActivationStoreBatchSource(ActivationStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.TrainingRowCount <= 0)
            throw new ArgumentException("The activation source has no training rows; extract activations first (mlsae extract).", nameof(store));
        if (store.Options.MaxEpochs > 0)
            throw new ArgumentException("Training reads epochs without end; create the store with MaxEpochs = 0 and bound training by steps.", nameof(store));
        Store = store;
    }

    /// <summary>The store read from (its <see cref="ActivationStore.HeldOut"/> slice is for validation).</summary>
    public ActivationStore Store { get; }

    /// <summary>A store over <paramref name="source"/> shuffled with <paramref name="seed"/>, holding out <paramref name="heldOutFraction"/> of the rows.</summary>
    public static ActivationStoreBatchSource Create(IActivationSource source, int seed, double heldOutFraction = 0) =>
        new(new ActivationStore(source, new ActivationStoreOptions { Seed = seed, HeldOutFraction = heldOutFraction }));

    /// <inheritdoc />
    public int Dimension => Store.Dimension;

    /// <inheritdoc />
    public void NextBatch(int rows, Span<float> destination) => Store.Next(rows, destination);

    /// <inheritdoc />
    public byte[] SaveState() => Encoding.UTF8.GetBytes(Store.GetState().ToJson());

    /// <inheritdoc />
    public void LoadState(byte[] state) => Store.Restore(ActivationStoreState.FromJson(Encoding.UTF8.GetString(state)));
}
