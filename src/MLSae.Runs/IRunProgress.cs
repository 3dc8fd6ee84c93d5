using MLSae.Diagnostics;

namespace MLSae.Runs;

/// <summary>
/// How the application layer shows its stages (a run evaluation's core metrics, probing, ...; an experiment's
/// extraction, trainings and evaluations): the CLI renders each stage as a progress bar and each notice as a line;
/// <see cref="Silent"/> shows nothing.
/// </summary>
public interface IRunProgress
{
    /// <summary>Runs one stage, giving it a progress sink.</summary>
    /// <param name="title">e.g. "sparse probing" or "train run3-periodic seed 2 (17/69)".</param>
    /// <param name="work">The stage.</param>
    T Stage<T>(string title, Func<IProgress<ProgressInfo>?, T> work);

    /// <summary>A one-line notice (a skipped or resumed run, a fallback).</summary>
    void Notice(string message);

    /// <summary>Runs stages without showing anything; notices go to standard error.</summary>
    public static IRunProgress Silent { get; } = new SilentRunProgress();

    /// <summary>Every stage reports to the one sink <paramref name="progress"/> (e.g. one progress bar for a whole run evaluation).</summary>
    public static IRunProgress OneSink(IProgress<ProgressInfo>? progress) => new OneSinkProgress(progress);

    private sealed class SilentRunProgress : IRunProgress
    {
        public T Stage<T>(string title, Func<IProgress<ProgressInfo>?, T> work) => work(null);
        public void Notice(string message) => MLSaeLog.Info(message);
    }

    private sealed class OneSinkProgress(IProgress<ProgressInfo>? progress) : IRunProgress
    {
        public T Stage<T>(string title, Func<IProgress<ProgressInfo>?, T> work) => work(progress);
        public void Notice(string message) => MLSaeLog.Info(message);
    }
}
