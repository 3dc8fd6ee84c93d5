using MLSae.Diagnostics;
using Spectre.Console;

namespace MLSae.Cli.Rendering;

/// <summary>
/// Renders <see cref="ProgressInfo"/> reports as a Spectre.Console progress bar with rate and ETA.
/// Falls back to a line every few seconds when output is redirected (CI logs, files).
/// </summary>
static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/>, showing its progress under <paramref name="title"/>.</summary>
    public static T Run<T>(string title, Func<IProgress<ProgressInfo>, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var last = DateTime.MinValue;
            var start = DateTime.UtcNow;
            var lines = new SynchronousProgress(p =>
            {
                var now = DateTime.UtcNow;
                if ((now - last).TotalSeconds < 5 && p.Done != p.Total) return;
                last = now;
                double rate = p.Done / Math.Max(1e-9, (now - start).TotalSeconds);
                var total = p.Total > 0 ? $"/{p.Total:N0}" : "";
                Console.Error.WriteLine($"{title}: {p.Done:N0}{total} {p.Unit} ({rate:N0} {p.Unit}/s) {p.Detail}");
            });
            return work(lines);
        }

        T result = default!;
        string unit = "";
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new RateColumn(() => unit), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title));
                var progress = new SynchronousProgress(p =>
                {
                    if (p.Total > 0) task.MaxValue = p.Total; else task.IsIndeterminate = true;
                    task.Value = p.Done;
                    task.Description = Markup.Escape(p.Detail is null ? title : $"{title} {p.Detail}");
                    unit = p.Unit;
                });
                result = work(progress);
                task.StopTask();
            });
        return result;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and lag).</summary>
    sealed class SynchronousProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }

    /// <summary>Units per second, using the unit name the work reported.</summary>
    sealed class RateColumn(Func<string> unitName) : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var unit = unitName();
            return new Text(task.Speed is { } s ? $"{s:N0} {unit}/s" : "", Style.Plain);
        }
    }
}
