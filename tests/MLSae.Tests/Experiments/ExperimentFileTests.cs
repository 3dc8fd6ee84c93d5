using MLSae.Runs.Experiments;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Training;

namespace MLSae.Tests.Experiments;

public class ExperimentFileTests
{
    static ExperimentDefinition Parse(string json) => ExperimentFile.Parse(json, "exp.json", "/base");

    static ExperimentFileException Error(string json) => Assert.Throws<ExperimentFileException>(() => Parse(json));

    const string Defaults = """
        "defaults": {
          "train": { "Steps": 500, "BatchSize": 128, "L1Coefficient": 0.1, "Ordering": { "HistoryInterval": 7, "Warmup": 50 } },
          "eval": { "maxTokens": 1000, "prefixRows": 300 }
        }
        """;

    [Fact]
    public void RunsMergeOverDefaultsMemberByMember_IncludingOrdering()
    {
        var e = Parse($$"""
            { "name": "x", {{Defaults}},
              "runs": [
                { "name": "a", "train": { "Steps": 900, "Ordering": { "Strategy": "Once" } }, "eval": { "prefixCurves": false } },
                { "name": "b" }
              ] }
            """);
        var a = e.Runs[0];
        Assert.Equal(900, a.Train.Training.Steps);                       // run wins
        Assert.Equal(128, a.Train.Training.BatchSize);                   // from defaults
        Assert.Equal(0.1, a.Train.Training.L1Coefficient);
        Assert.Equal(ReorderStrategyKind.Once, a.Train.Ordering.Strategy);
        Assert.Equal(7, a.Train.Ordering.HistoryInterval);               // Ordering merged, not replaced
        Assert.Equal(50, a.Train.Ordering.Warmup);
        Assert.False(a.Eval.PrefixCurves);
        Assert.Equal(1000, a.Eval.MaxTokens);                            // eval merged over defaults.eval
        Assert.Equal(300, a.Eval.PrefixRows);
        var b = e.Runs[1];
        Assert.Equal(500, b.Train.Training.Steps);
        Assert.Equal(ReorderStrategyKind.None, b.Train.Ordering.Strategy);
        Assert.Equal(SaeTrainingDefaults.LearningRate, b.Train.Training.LearningRate);   // untouched options keep their defaults
        Assert.Equal(ExperimentDefaults.Seeds, e.Seeds);
        Assert.Equal("/base", e.BaseDirectory);
    }

    [Fact]
    public void ExtendsChainsResolvedConfigs_AndNamesAndEnumsAreCaseInsensitive()
    {
        var e = Parse($$"""
            { "NAME": "x", {{Defaults}},
              "runs": [
                { "name": "naive", "extends": "periodic", "train": { "ordering": { "statemode": "naive" } } },
                { "name": "periodic", "extends": "base", "train": { "Ordering": { "Strategy": "periodic", "Interval": 25, "by": "mean-activation" } } },
                { "name": "base", "train": { "architecture": "jumprelu", "gradientaccumulation": 2, "learningRateSchedule": "cosine" } }
              ] }
            """);
        var naive = e.FindRun("naive")!.Train;
        Assert.Equal(SaeArchitecture.JumpReLU, naive.Training.Architecture);
        Assert.Equal(2, naive.Training.GradientAccumulation);
        Assert.Equal(LearningRateSchedule.Cosine, naive.Training.LearningRateSchedule);
        Assert.Equal(ReorderStrategyKind.Periodic, naive.Ordering.Strategy);
        Assert.Equal(25, naive.Ordering.Interval);
        Assert.Equal(FeatureOrderKey.MeanActivation, naive.Ordering.By);
        Assert.Equal(ReorderStateMode.Naive, naive.Ordering.StateMode);
        Assert.Equal(ReorderStateMode.Exact, e.FindRun("periodic")!.Train.Ordering.StateMode);   // the parent is unchanged
        Assert.Equal(7, naive.Ordering.HistoryInterval);                                         // defaults reach through the chain
        Assert.Equal(["naive", "periodic", "base"], e.Runs.Select(r => r.Name));                 // file order kept
    }

    [Fact]
    public void SeedsAsCountOrList_AndSeedCountOverride()
    {
        var e = Parse("""{ "name": "x", "seeds": 4, "runs": [ { "name": "a" } ] }""");
        Assert.Equal([1, 2, 3, 4], e.Seeds);
        var listed = Parse("""{ "name": "x", "seeds": [7, 3], "runs": [ { "name": "a" } ] }""");
        Assert.Equal([7], listed.WithSeedCount(1).Seeds);
        Assert.Equal([7, 3, 8, 9], listed.WithSeedCount(4).Seeds);   // extended after the largest
        var run = listed.Runs[0];
        Assert.Equal(3, run.ForSeed(3).Training.Seed);
    }

    [Theory]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "train": { "Stepz": 5 } } ] }""", "runs[0] \"a\".train.Stepz", "unknown training option")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "train": { "Strategy": "once" } } ] }""", "runs[0] \"a\".train.Strategy", "inside \"Ordering\"")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "train": { "Steps": "many" } } ] }""", "runs[0] \"a\".train.Steps", "expected a whole number, got the string \"many\"")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "train": { "BatchSize": 1.5 } } ] }""", "runs[0] \"a\".train.BatchSize", "expected a whole number (32-bit)")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "train": { "Ordering": { "Strategy": "sometimes" } } } ] }""", "runs[0] \"a\".train.Ordering.Strategy", "one of None, Once, Periodic, Adaptive, Hybrid")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "train": { "Ordering": { "Warmup": -1 } } } ] }""", "runs[0] \"a\".train.Ordering.Warmup", "must be >= 0")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "train": { "BatchSize": 0 } } ] }""", "runs[0] \"a\".train.BatchSize", "must be positive")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "train": { "AdaptiveL1": "yes" } } ] }""", "runs[0] \"a\".train.AdaptiveL1", "expected true or false")]
    [InlineData("""{ "name": "x", "run": [ ] }""", "run", "unknown field. Known fields here: name, description, source")]
    [InlineData("""{ "name": "x", "runs": [ ] }""", "runs", "non-empty array")]
    [InlineData("""{ "runs": [ { "name": "a" } ] }""", "name", "required")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a" }, { "name": "A" } ] }""", "runs[1].name", "already the name of runs[0]")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a b" } ] }""", "runs[0].name", "not a usable folder name")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "control": "b" } ] }""", "runs[0] \"a\".control", "no run is called 'b'")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "control": "a" } ] }""", "runs[0] \"a\".control", "its own control")]
    [InlineData("""{ "name": "x", "runs": [ { "name": "a", "extends": "b" }, { "name": "b", "extends": "a" } ] }""", "runs[0] \"a\".extends", "cycle: a -> b -> a")]
    [InlineData("""{ "name": "x", "seeds": [1, 1], "runs": [ { "name": "a" } ] }""", "seeds[1]", "listed twice")]
    [InlineData("""{ "name": "x", "source": { "heldOutFraction": 0 }, "runs": [ { "name": "a" } ] }""", "source.heldOutFraction", "between 0 and 1")]
    [InlineData("""{ "name": "x", "source": { "modle": "minilm-l6" }, "runs": [ { "name": "a" } ] }""", "source.modle", "unknown field")]
    [InlineData("""{ "name": "x", "quick": { "stepFactor": 0 }, "runs": [ { "name": "a" } ] }""", "quick.stepFactor", "at least 1")]
    [InlineData("""{ "name": "x", "plots": { "runs": ["zz"] }, "runs": [ { "name": "a" } ] }""", "plots.runs[0]", "no run is called 'zz'")]
    [InlineData("""{ "name": "x", "defaults": { "eval": { "batchSize": "big" } }, "runs": [ { "name": "a" } ] }""", "defaults.eval.batchSize", "expected a whole number")]
    public void ErrorsNameTheFieldAndSayWhatIsExpected(string json, string field, string problem)
    {
        var e = Error(json);
        Assert.Equal("exp.json", e.File);
        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Problem);
        Assert.StartsWith($"exp.json: {field}: ", e.Message);
    }

    [Fact]
    public void InvalidJsonReportsTheLine()
    {
        var e = Error("{\n  \"name\": \"x\",\n  \"runs\": [ { \"name\": \"a\" } \n  \"seeds\": 2\n}");
        Assert.StartsWith("line 4", e.Field);
        Assert.Contains("not valid JSON", e.Problem);
    }

    [Fact]
    public void MissingFileSaysWhatToPass()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ExperimentFile.Load("/no/such/experiment.json"));
        Assert.Contains("/no/such/experiment.json", e.Message);
        Assert.Contains("Pass a JSON experiment file", e.Message);
        Assert.DoesNotContain("--", e.Message);   // a library message names no CLI flag
    }

    [Fact]
    public void ShippedOrderingFileComparesNestedLossesWithTheirControls()
    {
        var e = ExperimentFile.Load(Path.Combine(RepoPaths.Root, "examples", "SeedExperiments", "ordering-where-it-matters.json"));
        Assert.Equal(14, e.Runs.Count);
        Assert.Equal([SaeArchitecture.TopK, SaeArchitecture.Matryoshka, SaeArchitecture.Ordered],
            e.Runs.Select(r => r.Train.Training.Architecture).Distinct().Order());
        Assert.All(e.Runs, r => Assert.Equal(32, r.Train.Training.K));
        foreach (var run in e.Runs.Where(r => r.Control is not null))
        {
            // A reorder run and its control train identically but for the ordering.
            var control = e.FindRun(run.Control!)!;
            Assert.Equal(ReorderStrategyKind.None, control.Train.Ordering.Strategy);
            Assert.Equal(run.Train.Training, control.Train.Training);
            Assert.NotEqual(ReorderStrategyKind.None, run.Train.Ordering.Strategy);
        }
        Assert.Equal(3, e.Runs.Count(r => r.Train.Ordering.StateMode == ReorderStateMode.Naive));
    }

    [Fact]
    public void ShippedTargetL0FileIsTheSameLadderAimingAtL0ThirtyTwo()
    {
        var dir = Path.Combine(RepoPaths.Root, "examples", "SeedExperiments");
        var original = ExperimentFile.Load(Path.Combine(dir, "seed-runs.json"));
        var sparse = ExperimentFile.Load(Path.Combine(dir, "seed-runs-target-l0.json"));
        Assert.Equal(original.Runs.Select(r => (r.Name, r.Control)), sparse.Runs.Select(r => (r.Name, r.Control)));
        Assert.Equal(original.Seeds, sparse.Seeds);
        Assert.Equal(original.Source, sparse.Source);
        foreach (var run in sparse.Runs)
        {
            // Only the target differs: same architecture, coefficients as starting points, schedule and ordering.
            var twin = original.FindRun(run.Name)!.Train;
            Assert.Equal(twin.Ordering, run.Train.Ordering);
            Assert.Equal(twin.Training with { TargetL0 = 32 }, run.Train.Training);
        }
        Assert.Null(original.FindRun("ctl-standard")!.Train.Training.TargetL0);   // the original study keeps its fixed L1 coefficient
    }

    [Fact]
    public void ShippedSeedRunsFileHasTheLadderAndItsControls()
    {
        var e = ExperimentFile.Load(Path.Combine(RepoPaths.Root, "examples", "SeedExperiments", "seed-runs.json"));
        Assert.Equal(23, e.Runs.Count);
        Assert.Equal([1, 2, 3], e.Seeds);
        Assert.Equal("minilm-l6", e.Source.Model);
        T R<T>(string name, Func<ExperimentRun, T> f) => f(e.FindRun(name) ?? throw new Xunit.Sdk.XunitException($"no run {name}"));

        Assert.Equal(SaeArchitecture.JumpReLU, R("run0-jumprelu", r => r.Train.Training.Architecture));
        Assert.Equal(20, R("run0-jumprelu", r => r.Train.Training.TargetL0));
        Assert.Equal(0.001, R("run0-jumprelu", r => r.Train.Training.JumpReluBandwidth));
        Assert.Equal((ReorderStrategyKind.Once, 1000L), R("run1-once-1000", r => (r.Train.Ordering.Strategy, r.Train.Ordering.Warmup)));
        Assert.Equal((ReorderStrategyKind.Once, 2000L), R("run2-once-2000", r => (r.Train.Ordering.Strategy, r.Train.Ordering.Warmup)));
        Assert.Equal((ReorderStrategyKind.Periodic, 2000L, 500L), R("run3-periodic", r => (r.Train.Ordering.Strategy, r.Train.Ordering.Warmup, r.Train.Ordering.Interval)));
        Assert.Equal((ReorderStrategyKind.Adaptive, 0.1, 10), R("run4-adaptive", r => (r.Train.Ordering.Strategy, r.Train.Ordering.VarianceThreshold, r.Train.Ordering.VarianceWindow)));
        Assert.Equal(ReorderStrategyKind.Hybrid, R("run5-hybrid", r => r.Train.Ordering.Strategy));
        Assert.True(R("run6-hybrid-long", r => r.Train.Ordering.Warmup) > R("run5-hybrid", r => r.Train.Ordering.Warmup));
        // Runs 7-9 are cumulative on Run 6.
        var run9 = e.FindRun("run9-adaptive-l1")!.Train;
        Assert.Equal(ReorderStrategyKind.Hybrid, run9.Ordering.Strategy);
        Assert.Equal(R("run6-hybrid-long", r => r.Train.Ordering.Warmup), run9.Ordering.Warmup);
        Assert.True(run9.Training.GradientAccumulation > 1);
        Assert.Equal((3000L, LearningRateSchedule.Cosine), (run9.Training.WarmupSteps, run9.Training.LearningRateSchedule));
        Assert.True(run9.Training.AdaptiveL1);
        Assert.False(R("run8-cosine", r => r.Train.Training.AdaptiveL1));
        Assert.Equal(LearningRateSchedule.Constant, R("run7-accum", r => r.Train.Training.LearningRateSchedule));

        foreach (var run in e.Runs.Where(r => r.Name.StartsWith("run", StringComparison.Ordinal) && r.Name != "run0-jumprelu"))
        {
            // Every reorder run has a control that trains identically except for never reordering.
            var control = e.FindRun(run.Control!)!;
            Assert.Equal(ReorderStrategyKind.None, control.Train.Ordering.Strategy);
            Assert.Equal(run.Train.Training, control.Train.Training);
            Assert.NotEqual(ReorderStrategyKind.None, run.Train.Ordering.Strategy);
        }
        foreach (var naive in e.Runs.Where(r => r.Name.EndsWith("-naive", StringComparison.Ordinal)))
        {
            // A naive run is its exact twin with only the state mode changed.
            var twin = e.Runs.Single(r => r.Name.StartsWith(naive.Name[..naive.Name.IndexOf('-')] + "-", StringComparison.Ordinal) && !r.Name.EndsWith("-naive", StringComparison.Ordinal));
            Assert.Equal(twin.Train with { Ordering = twin.Train.Ordering with { StateMode = ReorderStateMode.Naive } }, naive.Train);
        }
        Assert.Equal(9, e.Runs.Count(r => r.Train.Ordering.StateMode == ReorderStateMode.Naive));
        Assert.Equal(5, e.Runs.Count(r => r.Train.Ordering.Strategy == ReorderStrategyKind.None));   // Run 0 and four controls
    }
}
