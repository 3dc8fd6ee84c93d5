using System.CommandLine;
using MLSae.Runs.Experiments;
using MLSae.Cli.Rendering;
using MLSae.Training;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae experiment`: runs an experiment file (activations once, every run x seed trained, resumed or skipped,
/// evaluated on held-out tokens), then writes plots and report.md. Rerunning the same command continues.
/// </summary>
static class ExperimentCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Experiment file (JSON; see docs/experiments.md and examples/SeedExperiments/seed-runs.json).", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: activations/, runs/{run}/seed-{s}/, report/report.md and plots.", Required = true };
        var seeds = new Option<int?>("--seeds") { Description = "Number of seeds (default: the file's seeds): the file's first N, extended with the next integers." };
        var quick = new Option<bool>("--quick") { Description = $"Scale the experiment down: step counts / {QuickScaleDefaults.StepFactor}, token counts / {QuickScaleDefaults.TokenFactor} (the file's \"quick\" object may change the factors)." };
        var model = new Option<string?>("--model") { Description = "Override source.model, e.g. pythia:DIR for a Pythia checkpoint folder or onnx:FILE (with the hook it has)." };
        var hook = new Option<string?>("--hook") { Description = "Override source.hook." };
        var activations = new Option<string?>("--activations") { Description = "Train on this existing activation cache instead of extracting (overrides source)." };
        var threads = new Option<int>("--threads") { Description = "CPU threads for TorchSharp and ONNX Runtime (0: their defaults; 1 is often faster on a busy machine).", DefaultValueFactory = _ => 0 };
        var device = new Option<string?>("--device") { Description = "cpu | cuda | cuda:N for every run's training (default: each run's own, cpu). Checked before extraction." };
        var plan = new Option<bool>("--plan") { Description = "List the jobs (0: activations, then each run x seed) and exit; run them with --job I in any order once job 0 is done, then --collect." };
        var job = new Option<int?>("--job") { Description = "Run only job I of --plan (0: extract the activations; I >= 1: train and evaluate one run x seed, writing only its run folder)." };
        var collect = new Option<bool>("--collect") { Description = "Write plots and report.md from the finished jobs (trains nothing)." };
        var noReport = new Option<bool>("--no-report") { Description = "Train and evaluate only; skip plots and report.md." };
        var command = new Command("experiment", "Run an experiment file: train and evaluate every run over seeds, then plot and write a report.")
        {
            config, output, seeds, quick, model, hook, activations, threads, device, plan, job, collect, noReport,
        };
        command.SetAction(parse =>
        {
            try
            {
                var mode = new FanOut(parse.GetValue(plan), parse.GetValue(job), parse.GetValue(collect));
                return Run(parse.GetValue(config)!, parse.GetValue(output)!, parse.GetValue(seeds), parse.GetValue(quick), parse.GetValue(model),
                    parse.GetValue(hook), parse.GetValue(activations), parse.GetValue(threads), !parse.GetValue(noReport), parse.GetValue(device), mode);
            }
            catch (Exception e)
            {
                return CliErrors.Fail("experiment", e);
            }
        });
        return command;
    }

    internal static int Run(string configPath, string outDir, int? seeds, bool quick, string? model, string? hook, string? activations,
        int threads, bool report, string? device = null, FanOut? mode = null)
    {
        if (threads < 0) throw new ArgumentException($"--threads must be 0 (defaults) or positive, not {threads}.");
        mode ??= new FanOut(false, null, false);
        if ((mode.Plan ? 1 : 0) + (mode.Job is null ? 0 : 1) + (mode.Collect ? 1 : 0) > 1)
            throw new ArgumentException("Give at most one of --plan, --job and --collect.");
        var experiment = new ExperimentOverrides { Model = model, Hook = hook, Activations = activations, Seeds = seeds, Quick = quick }
            .ApplyTo(ExperimentFile.Load(configPath));

        var runner = new ExperimentRunner(experiment, outDir, new ExperimentRunnerOptions { Threads = threads, Report = report, Device = device });
        if (mode.Plan || mode.Job is not null || mode.Collect) return FanOutStep(runner, mode);
        int runs = experiment.Runs.Count, seedCount = experiment.Seeds.Count;
        AnsiConsole.MarkupLineInterpolated($"experiment [bold]{experiment.Name}[/]{(quick ? " (quick)" : "")}: {runs} runs x {seedCount} seeds = {runs * seedCount} trainings -> {Path.GetFullPath(outDir)}");
        var summary = runner.Run(new ConsoleRunProgress());
        AnsiConsole.MarkupLineInterpolated($"[green]done[/] in {summary.Elapsed.TotalMinutes:F1} min: {summary.Trained} trained, {summary.Skipped} already finished.");
        if (summary.ReportPath is { } path) AnsiConsole.MarkupLineInterpolated($"report: [green]{path}[/]");
        return 0;
    }

    /// <summary>--plan, --job I or --collect (at most one).</summary>
    internal sealed record FanOut(bool Plan, int? Job, bool Collect);

    static int FanOutStep(ExperimentRunner runner, FanOut mode)
    {
        if (mode.Plan)
        {
            // Plain lines, one job each: "INDEX KIND RUN SEED FOLDER" (scripts count them: jobs = lines).
            foreach (var j in runner.Plan())
                Console.WriteLine(j.Kind == ExperimentJobKind.Activations
                    ? $"{j.Index}	activations	-	-	{j.Directory}"
                    : $"{j.Index}	train	{j.Run}	{j.Seed}	{j.Directory}");
            return 0;
        }
        if (mode.Job is { } index)
        {
            bool worked = runner.RunJob(index, new ConsoleRunProgress());
            AnsiConsole.MarkupLineInterpolated($"[green]job {index}[/] {(worked ? "done" : "was already finished")}: {runner.Plan()[index].Directory}");
            return 0;
        }
        var summary = runner.Collect(new ConsoleRunProgress());
        AnsiConsole.MarkupLineInterpolated($"report: [green]{summary.ReportPath}[/]");
        return 0;
    }

}
