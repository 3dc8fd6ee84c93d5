using MLSae.Diagnostics;

namespace MLSae.Runs.Experiments;

/// <summary>
/// How an <see cref="ExperimentRunner"/> shows its stages (extraction, each run's training and evaluation,
/// plots): the CLI renders each stage as a progress bar; <see cref="Silent"/> shows nothing.
/// </summary>
public interface IExperimentProgress
{
    /// <summary>Runs one stage, giving it a progress sink.</summary>
    /// <param name="title">e.g. "train run3-periodic seed 2 (17/69)".</param>
    /// <param name="work">The stage.</param>
    T Stage<T>(string title, Func<IProgress<ProgressInfo>?, T> work);

    /// <summary>A one-line notice (a skipped or resumed run).</summary>
    void Notice(string message);

    /// <summary>Runs stages without showing anything; notices go to <see cref="MLSaeLog"/>.</summary>
    public static IExperimentProgress Silent { get; } = new SilentProgress();

    private sealed class SilentProgress : IExperimentProgress
    {
        public T Stage<T>(string title, Func<IProgress<ProgressInfo>?, T> work) => work(null);
        public void Notice(string message) => MLSaeLog.Info(message);
    }
}
