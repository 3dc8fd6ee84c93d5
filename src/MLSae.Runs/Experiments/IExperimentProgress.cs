namespace MLSae.Runs.Experiments;

/// <summary>
/// How an <see cref="ExperimentRunner"/> shows its stages (extraction, each run's training and evaluation,
/// plots): the CLI renders each stage as a progress bar; <see cref="Silent"/> shows nothing.
/// </summary>
public interface IExperimentProgress : IRunProgress
{
    /// <summary>Runs stages without showing anything; notices go to standard error.</summary>
    public static new IExperimentProgress Silent { get; } = new SilentProgress();

    private sealed class SilentProgress : IExperimentProgress
    {
        public T Stage<T>(string title, Func<IProgress<MLSae.Diagnostics.ProgressInfo>?, T> work) => work(null);
        public void Notice(string message) => IRunProgress.Silent.Notice(message);
    }
}
