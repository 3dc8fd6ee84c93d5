namespace MLSae.Training;

/// <summary>
/// An observer with state that must survive a resume (firing statistics, permutation log).
/// The trainer stores the bytes in each checkpoint under <see cref="StateName"/> and hands
/// them back before <see cref="ITrainingObserver.OnTrainingStart"/> when resuming.
/// </summary>
public interface ICheckpointedObserver : ITrainingObserver
{
    /// <summary>A file-name-safe key, unique among a run's observers.</summary>
    string StateName { get; }

    /// <summary>The observer's state now.</summary>
    byte[] SaveState();

    /// <summary>Restores state saved by <see cref="SaveState"/>.</summary>
    void LoadState(byte[] state);
}
