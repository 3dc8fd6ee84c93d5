using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace MLSae.Benchmarks;

/// <summary>
/// The two configurations of the suite, shared by every class (classes add no jobs of their own, so each case runs
/// once per run). Both run in-process: the benchmark binary already carries the patched TorchSharp native library
/// (eng/torchsharp-glibcxx) and the ONNX Runtime native that matches the managed API; BenchmarkDotNet's generated
/// child projects lack both, and in-process runs avoid a build per class on a 2-core machine. `--quick` (1 warm-up,
/// 3 iterations, reduced grids via <see cref="Quick"/>) keeps the whole suite within about 15 minutes here; the default
/// job (BenchmarkDotNet's own warm-up and iteration heuristics, full grids) is for careful runs.
/// </summary>
static class BenchConfig
{
    /// <summary>True under `--quick`: classes with large grids return a subset from their ParamsSource.</summary>
    public static bool Quick { get; private set; }

    public static IConfig Create(bool quick)
    {
        Quick = quick;
        var job = quick
            ? Job.Default.WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1).WithId("Quick")
            : Job.Default.WithId("Default");
        // A training step at m = 65536 takes tens of seconds on a busy 2-core machine; the in-process default
        // timeout would abort it.
        var toolchain = new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true);
        return ManualConfig.CreateMinimumViable()
            .AddJob(job.WithToolchain(toolchain))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Min, StatisticColumn.Max)
            .AddExporter(MarkdownExporter.GitHub)
            .WithOptions(ConfigOptions.DisableLogFile);
    }
}
