using MLSae.Diagnostics;
using MLSae.Runs.Experiments;
using Spectre.Console;

namespace MLSae.Cli.Rendering;

/// <summary>
/// The application layer's stages as progress bars (<see cref="ProgressDisplay"/>); its notices as grey lines, or
/// through <paramref name="notice"/> (e.g. "note: ..." on standard error where standard output is the command's result).
/// </summary>
sealed class ConsoleRunProgress(Action<string>? notice = null) : IExperimentProgress
{
    /// <summary>Notices as "note: ..." lines on standard error.</summary>
    public static ConsoleRunProgress NotesOnStandardError() => new(m => Console.Error.WriteLine($"note: {m}"));

    public T Stage<T>(string title, Func<IProgress<ProgressInfo>?, T> work) => ProgressDisplay.Run(title, p => work(p));

    public void Notice(string message)
    {
        if (notice is not null) notice(message);
        else AnsiConsole.MarkupLineInterpolated($"[grey]{message}[/]");
    }
}
