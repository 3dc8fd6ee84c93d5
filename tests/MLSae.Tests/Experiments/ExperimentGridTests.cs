using MLSae.Models;
using MLSae.Runs.Experiments;

namespace MLSae.Tests.Experiments;

public class ExperimentGridTests
{
    static ExperimentDefinition Parse(string json) => ExperimentFile.Parse(json, "sweep.json", "/base");

    [Fact]
    public void EachValueOfTheGridIsARunNamedByOptionAndValue_AfterTheListedRuns()
    {
        var e = Parse("""
            { "name": "x", "defaults": { "train": { "Steps": 10, "Expansion": 2 } },
              "runs": [ { "name": "control" } ],
              "grid": [
                { "name": "topk", "train": { "Architecture": "TopK" }, "vary": { "K": [8, 16] } },
                { "name": "standard", "train": { "Architecture": "Standard" }, "vary": { "TargetL0": [4, 32.5], "LearningRate": [0.001, 0.0003] } }
              ] }
            """);
        Assert.Equal(["control", "topk-k-8", "topk-k-16",
            "standard-target-l0-4-learning-rate-0.001", "standard-target-l0-4-learning-rate-0.0003",
            "standard-target-l0-32.5-learning-rate-0.001", "standard-target-l0-32.5-learning-rate-0.0003"], e.Runs.Select(r => r.Name));
        var k16 = e.Runs[2].Train.Training;
        Assert.Equal((SaeArchitecture.TopK, 16, 10L, 2), (k16.Architecture, k16.K, k16.Steps, k16.Expansion));
        var last = e.Runs[^1].Train.Training;
        Assert.Equal((SaeArchitecture.Standard, (double?)32.5, 0.0003), (last.Architecture, last.TargetL0, last.LearningRate));
    }

    [Theory]
    [InlineData("""{ "name": "x", "grid": [] }""", "grid")]
    [InlineData("""{ "name": "x", "grid": [ { "name": "t", "vary": { "K": [] } } ] }""", "grid[0].vary.K")]
    [InlineData("""{ "name": "x", "grid": [ { "name": "t" } ] }""", "grid[0].vary")]
    [InlineData("""{ "name": "x", "grid": [ { "name": "t", "vary": { "K": [8, 8] } } ] }""", "topk")]
    public void AGridWithNoPointsOrDuplicatePointsIsAnErrorNamingTheField(string json, string named)
    {
        var e = Assert.Throws<ExperimentFileException>(() => Parse(json.Replace("\"name\": \"t\"", "\"name\": \"t\", \"train\": { \"Architecture\": \"TopK\" }")));
        Assert.Contains(named == "topk" ? "t-k-8" : named, e.Message);
    }

    [Fact]
    public void TheFrontierHasOnePointPerRunAndOnlyWhenAnArchitectureHasTwoSettings()
    {
        var e = Parse("""
            { "name": "x", "defaults": { "train": { "Steps": 10 } },
              "grid": [ { "name": "topk", "train": { "Architecture": "TopK" }, "vary": { "K": [8, 16] } } ],
              "runs": [ { "name": "jr", "train": { "Architecture": "JumpReLU", "TargetL0": 4 } } ] }
            """);
        RunResults Result(ExperimentRun run, params (double L0, double Ev)[] seeds) => new(run,
            seeds.Select((s, i) => new SeedResult(i + 1, "/none", new Dictionary<string, double> { ["l0"] = s.L0, ["explained_variance"] = s.Ev, ["frac_alive"] = 0.9 },
                [], [], [])).ToList());
        var byName = e.Runs.ToDictionary(r => r.Name);
        var results = new List<RunResults>
        {
            Result(byName["jr"], (4.5, 0.5)),
            Result(byName["topk-k-8"], (8, 0.6), (8, 0.7)),
            Result(byName["topk-k-16"], (16, 0.8)),
        };
        var points = ExperimentFrontier.Points(results).Select(p => p.Point).ToList();
        Assert.Equal(3, points.Count);
        var k8 = points.Single(p => p.Setting == "k 8");
        Assert.Equal(("topk", 8.0, 0.65), (k8.Series, k8.L0, Math.Round(k8.Value, 12)));   // seed means
        Assert.Equal("target L0 4", points.Single(p => p.Series == "jumprelu").Setting);
        var rows = ExperimentFrontier.Table(results).Split('\n').Where(l => l.StartsWith("| topk", StringComparison.Ordinal)).ToList();
        Assert.Equal(["| topk | k 8 | 8.0 | 0.650 | 0.100 | topk-k-8 |", "| topk | k 16 | 16.0 | 0.800 | 0.100 | topk-k-16 |"], rows);

        // No architecture at two settings: not a sweep, no frontier.
        Assert.Empty(ExperimentFrontier.Points(results.Take(2).ToList()));
        Assert.Equal("", ExperimentFrontier.Table(results.Take(2).ToList()));
    }

    [Fact]
    public void TheShippedFrontierFileTrainsFiveArchitecturesAtFourSparsities()
    {
        var e = ExperimentFile.Load(Path.Combine(RepoPaths.Root, "examples", "SeedExperiments", "frontier.json"));
        Assert.Equal(20, e.Runs.Count);
        foreach (var arch in new[] { SaeArchitecture.Standard, SaeArchitecture.JumpReLU, SaeArchitecture.TopK, SaeArchitecture.BatchTopK, SaeArchitecture.Matryoshka })
        {
            var settings = e.Runs.Select(r => r.Train.Training).Where(t => t.Architecture == arch)
                .Select(t => arch is SaeArchitecture.Standard or SaeArchitecture.JumpReLU ? t.TargetL0!.Value : t.K).ToList();
            Assert.Equal([16.0, 32, 64, 128], settings);
        }
        Assert.Contains(e.Runs, r => r.Name == "standard-target-l0-32");
    }
}
