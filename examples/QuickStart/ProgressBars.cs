using MLSae.Diagnostics;
using Spectre.Console;

namespace QuickStart;

/// <summary>A Spectre.Console progress bar for work that reports <see cref="ProgressInfo"/>.</summary>
static class ProgressBars
{
    public static T Run<T>(string title, Func<IProgress<ProgressInfo>, T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title);
                result = work(new Reporter(p =>
                {
                    if (p.Total > 0) task.MaxValue = p.Total;
                    task.Value = p.Done;
                    task.Description = Markup.Escape($"{title} {p.Done:N0} {p.Unit} {p.Detail}");
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    sealed class Reporter(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }
}
