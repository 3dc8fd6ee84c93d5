using MLSae.Cli.Commands;
using MLSae.Runs.Experiments;

namespace MLSae.Tests.Experiments;

/// <summary>
/// `mlsae experiment --plan / --job I / --collect`: the jobs run out of order, two at a time, then collected, give the
/// same report numbers as the single-process run, and each train job writes only its run folder.
/// </summary>
public class ExperimentFanOutTests
{
    [Fact]
    public void JobsTwoAtATimeInAnyOrderThenCollectEqualTheSingleProcessRun()
    {
        var cache = ExperimentTestData.WriteCache(1200, d: 8);
        var experiment = ExperimentTestData.Experiment(cache, steps: 30, seeds: "[1, 2]");
        var singleDir = RepoPaths.NewTempDir("mlsae-fan-single");
        var single = new ExperimentRunner(experiment, singleDir).Run();

        var outDir = RepoPaths.NewTempDir("mlsae-fan-jobs");
        var runner = new ExperimentRunner(experiment, outDir);
        var plan = runner.Plan();
        Assert.Equal(1 + 3 * 2, plan.Count);
        Assert.Equal(ExperimentJobKind.Activations, plan[0].Kind);
        Assert.Equal(("control", 1), (plan[1].Run, plan[1].Seed!.Value));
        Assert.Equal(("periodic-naive", 2), (plan[6].Run, plan[6].Seed!.Value));
        Assert.Equal(runner.RunDirectory("periodic", 2), plan[4].Directory);

        var early = Assert.Throws<InvalidOperationException>(() => runner.Collect());
        Assert.Contains("6 job(s) are not finished (1, 2, 3, 4, 5, 6)", early.Message, StringComparison.Ordinal);

        runner.RunJob(0);
        // Each job on its own runner, as separate processes would have; two at a time, last job first.
        var order = new[] { 6, 3, 5, 1, 4, 2 };
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => Assert.True(new ExperimentRunner(experiment, outDir).RunJob(i)));
        Assert.False(runner.RunJob(2));   // a retried finished job is skipped
        var collected = runner.Collect();

        Assert.True(File.Exists(collected.ReportPath));
        Assert.Equal(single.Results.Count, collected.Results.Count);
        foreach (var (a, b) in single.Results.Zip(collected.Results))
        {
            Assert.Equal(a.Run.Name, b.Run.Name);
            foreach (var (sa, sb) in a.Seeds.Zip(b.Seeds))
            {
                Assert.Equal(sa.Seed, sb.Seed);
                // Same data, seed and code on the CPU: every eval.json and training number is equal, not just close.
                Assert.Equal(sa.Metrics.OrderBy(p => p.Key), sb.Metrics.OrderBy(p => p.Key));
                Assert.Equal(sa.Frequencies, sb.Frequencies);
                Assert.Equal(sa.ReorderSteps, sb.ReorderSteps);
            }
        }
        // The report tables hold the same numbers (timings aside: report.md has no timing table lines in common).
        Assert.NotEmpty(ReportNumbers(single.ReportPath!));
        Assert.Equal(ReportNumbers(single.ReportPath!), ReportNumbers(collected.ReportPath!));
    }

    // The report's table rows except timing ones (wall-clock seconds differ between runs).
    static string[] ReportNumbers(string path) =>
        [.. File.ReadAllLines(path).Where(l => l.StartsWith('|') && !l.Contains("seconds", StringComparison.OrdinalIgnoreCase) && !l.Contains(" s |", StringComparison.Ordinal)
            && !l.Contains("min", StringComparison.Ordinal))];

    [Fact]
    public void TrainJobsRefuseToStartBeforeTheActivationsAndJobIndicesAreChecked()
    {
        var dir = RepoPaths.NewTempDir("mlsae-fan-order");
        var file = Path.Combine(dir, "exp.json");
        File.WriteAllText(file, """
            { "name": "x", "source": { "text": "corpus.txt", "model": "minilm-l6", "hook": "blocks.1.hook_resid_post" }, "seeds": [1],
              "runs": [ { "name": "a", "train": { "Steps": 2 } } ] }
            """);
        var runner = new ExperimentRunner(ExperimentFile.Load(file), Path.Combine(dir, "out"));
        var e = Assert.Throws<InvalidOperationException>(() => runner.RunJob(1));
        Assert.Contains("Run job 0 (the extraction) first", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(runner.RunDirectory("a", 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.RunJob(2));
    }

    [Fact]
    public void PlanPrintsOneLinePerJob()
    {
        var cache = ExperimentTestData.WriteCache(300, d: 8);
        var dir = RepoPaths.NewTempDir("mlsae-fan-plan");
        var file = Path.Combine(dir, "tiny.json");
        File.WriteAllText(file, ExperimentTestData.ExperimentJson(cache, steps: 10, seeds: "[1, 2]"));
        var previous = Console.Out;
        var output = new StringWriter();
        Console.SetOut(output);
        int rc;
        try { rc = ExperimentCommand.Create().Parse(["--config", file, "--out", Path.Combine(dir, "out"), "--plan"]).Invoke(); }
        finally { Console.SetOut(previous); }
        Assert.Equal(0, rc);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith("0\tactivations", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("3\ttrain\tperiodic\t1\t", lines[3], StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "out", ExperimentRunner.RunsFolder)));   // --plan writes nothing
    }
}
