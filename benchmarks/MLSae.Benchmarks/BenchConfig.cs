using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace MLSae.Benchmarks;

/// <summary>
/// The two configurations of the suite. Both run in-process: the benchmark binary already carries
/// the patched TorchSharp native library (eng/torchsharp-glibcxx), which BenchmarkDotNet's
/// generated child projects would have to rebuild and re-patch, and in-process runs avoid a build
/// per benchmark class on a 2-core machine. `--quick` (1 warm-up, 3 iterations) keeps the whole
/// suite within about 15 minutes here; the default job is for careful runs.
/// </summary>
static class BenchConfig
{
    public static IConfig Create(bool quick)
    {
        var job = quick
            ? Job.Default.WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1).WithId("Quick")
            : Job.Default.WithId("Default");
        return ManualConfig.CreateMinimumViable()
            .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Min, StatisticColumn.Max)
            .AddExporter(MarkdownExporter.GitHub)
            .WithOptions(ConfigOptions.JoinSummary | ConfigOptions.DisableLogFile);
    }
}
