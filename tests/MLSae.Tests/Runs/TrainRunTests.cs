using System.Reflection;
using System.Text.Json.Nodes;
using MLSae.Activations;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Runs;
using MLSae.Training;
using Xunit.Abstractions;
using static MLSae.Tests.Transforms.TrainSaeTestData;

namespace MLSae.Tests.Runs;

public class TrainRunTests(ITestOutputHelper output)
{
    static readonly Lazy<float[]> s_data = new(() => Mixtures(2048, seed: 17));

    // ---- run.json ----------------------------------------------------------------------------

    /// <summary>Every setting away from its default (and valid together: TargetL0 needs standard or jumprelu), so a setting lost on the way would show.</summary>
    static TrainRunConfig Unusual() => new(
        new SaeTrainingOptions
        {
            Architecture = SaeArchitecture.JumpReLU, FeatureCount = 32, Expansion = 3, L1Coefficient = 0.5, L1Weighting = L1Weighting.DecoderNorm,
            AdaptiveL1 = true, AdaptiveL1Decay = 0.9, K = 4, AuxKCoefficient = 0.05, TargetL0 = 7, JumpReluSparsityCoefficient = 0.3,
            JumpReluBandwidth = 0.01, JumpReluInitialThreshold = 0.02, JumpReluThresholdInit = JumpReluThresholdInit.Constant, JumpReluThresholdLearningRateScale = 3, MatryoshkaPrefixFractions = [0.25, 0.5, 1.0], MatryoshkaWeights = [0.2, 0.3, 0.5],
            ThresholdStartStep = 1, ThresholdDecay = 0.9, LearningRate = 1e-3, LearningRateSchedule = LearningRateSchedule.Cosine, WarmupSteps = 1,
            LearningRateFloor = 0.1, SparsityWarmupSteps = 2, Beta1 = 0.8, Beta2 = 0.99, AdamEpsilon = 1e-7, GradientClipNorm = 1, BatchSize = 32,
            GradientAccumulation = 2, Steps = 5, Tokens = 192, NormalizeActivations = false, WeightInit = WeightInit.TiedUnitNorm, DecoderBiasInit = DecoderBiasInit.Zeros,
            InitSampleRows = 64, ResampleEverySteps = 2, DeadFeatureTokens = 100, DenseFrequency = 0.2, LogEvery = 1, CheckpointEvery = 2,
            Seed = 3, TuneAllocator = false, Precision = TrainingPrecision.Bf16, Device = "CPU",
        },
        new ReorderOptions
        {
            Strategy = ReorderStrategyKind.Periodic, By = FeatureOrderKey.MeanActivation, Warmup = 1, Interval = 1, VarianceThreshold = 0.5,
            VarianceWindow = 3, StateMode = ReorderStateMode.Naive, EmaDecay = 0.5, HistoryInterval = 1,
        });

    static IEnumerable<PropertyInfo> Settings<T>() =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null);

    [Fact]
    public void RunJsonHoldsTheResolvedConfig_AndLoadsBackEqual()
    {
        var config = Unusual();
        foreach (var p in Settings<SaeTrainingOptions>())
            Assert.False(Equals(p.GetValue(config.Training), p.GetValue(new SaeTrainingOptions())), $"test config leaves {p.Name} at its default");
        foreach (var p in Settings<ReorderOptions>())
            Assert.False(Equals(p.GetValue(config.Ordering), p.GetValue(new ReorderOptions())), $"test config leaves Ordering.{p.Name} at its default");

        var dir = RepoPaths.NewTempDir();
        var result = TrainRun.Execute(new InMemoryActivationSource(s_data.Value, D), config, dir);
        Assert.Equal(3, result.Steps);   // Tokens wins over Steps: 192 / (32 x 2)

        var loaded = TrainRun.LoadConfig(dir);
        foreach (var p in Settings<SaeTrainingOptions>())
            Assert.Equal(p.GetValue(config.Training), p.GetValue(loaded.Training));
        foreach (var p in Settings<ReorderOptions>())
            Assert.Equal(p.GetValue(config.Ordering), p.GetValue(loaded.Ordering));

        // Enums are written by name (hand-editable), and the ordering sits under "Ordering".
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, RunFolder.RunConfig)))!;
        Assert.Equal("JumpReLU", (string)json["Architecture"]!);
        Assert.Equal("Cosine", (string)json["LearningRateSchedule"]!);
        Assert.Equal("Periodic", (string)json["Ordering"]!["Strategy"]!);
        Assert.Equal("Naive", (string)json["Ordering"]!["StateMode"]!);
        Assert.Equal(192, (long)json["Tokens"]!);
    }

    [Fact]
    public void MissingPropertiesKeepTheirDefaults()
    {
        var config = TrainRunConfig.FromJson(JsonNode.Parse("""{ "Steps": 12, "Ordering": { "Warmup": 5 } }"""), "inline");
        Assert.Equal(new SaeTrainingOptions() with { Steps = 12 }, config.Training);
        Assert.Equal(new ReorderOptions() with { Warmup = 5 }, config.Ordering);
    }

    // ---- permutation log -------------------------------------------------------------------------

    const int Steps = 90, Warmup = 30, Interval = 30, M = 48;

    static TrainRunConfig Config(long steps, ReorderStrategyKind strategy) => new(
        SmallTraining((int)steps) with { FeatureCount = M, BatchSize = 64, LearningRate = 5e-3, L1Coefficient = 0.05 },
        new ReorderOptions { Strategy = strategy, Warmup = Warmup, Interval = Interval, HistoryInterval = 0, StateMode = ReorderStateMode.Exact });

    static SaeWeights Train(long steps, ReorderStrategyKind strategy) =>
        TrainRun.Execute(new InMemoryActivationSource(s_data.Value, D), Config(steps, strategy), runDirectory: null).Weights;

    /// <summary>A run stopped at <paramref name="steps"/>; the full reordered run is the saved one (same trajectory).</summary>
    static SaeWeights TrainOrSaved(long steps, ReorderStrategyKind strategy, SaeWeights saved) =>
        steps == Steps && strategy != ReorderStrategyKind.None ? saved : Train(steps, strategy);

    /// <summary>
    /// Reads the permutation off the weights: reordered feature j is the unreordered run's feature map[j] when their
    /// encoder rows, decoder rows and biases agree (exact reordering is a symmetry of training, up to float rounding).
    /// </summary>
    static int[] Match(SaeWeights reordered, SaeWeights plain)
    {
        int m = plain.FeatureCount;
        var map = new int[m];
        var used = new bool[m];
        for (int j = 0; j < m; j++)
        {
            double best = double.MaxValue, second = double.MaxValue;
            int arg = -1;
            for (int i = 0; i < m; i++)
            {
                double dist = Distance(reordered, j, plain, i);
                if (dist < best) { second = best; best = dist; arg = i; }
                else if (dist < second) second = dist;
            }
            double scale = Math.Sqrt(Distance(plain, arg, null, 0));
            Assert.True(Math.Sqrt(best) <= 1e-4 * scale, $"feature {j}: nearest unreordered feature {arg} is {Math.Sqrt(best):E2} away (row norm {scale:F3})");
            Assert.True(second > 100 * best, $"feature {j}: match with {arg} is ambiguous");
            Assert.False(used[arg], $"feature {arg} matched twice");
            used[arg] = true;
            map[j] = arg;
        }
        return map;
    }

    static double Distance(SaeWeights a, int i, SaeWeights? b, int k)
    {
        double s = Math.Pow(a.EncoderBias[i] - (b?.EncoderBias[k] ?? 0), 2);
        for (int j = 0; j < a.InputDim; j++)
            s += Math.Pow(a.EncoderRow(i)[j] - (b is null ? 0 : b.EncoderRow(k)[j]), 2) + Math.Pow(a.DecoderRow(i)[j] - (b is null ? 0 : b.DecoderRow(k)[j]), 2);
        return s;
    }

    [Fact]
    public void PermutationLogInSaeOnnxEqualsThePermutationsAppliedToTheWeights()
    {
        var dir = RepoPaths.NewTempDir();
        TrainRun.Execute(new InMemoryActivationSource(s_data.Value, D), Config(Steps, ReorderStrategyKind.Periodic), dir);
        var saved = SaeOnnx.ReadFile(Path.Combine(dir, RunFolder.Sae));
        var log = saved.Info.Permutations;
        output.WriteLine($"reorders at steps {string.Join(", ", log.Select(p => p.Step))}: {string.Join(" | ", log.Select(p => p.Reason))}");
        Assert.True(log.Count >= 2, $"only {log.Count} reorders happened; the test needs at least two");

        // Each logged reorder against the permutation read off the weights of runs stopped at its step.
        var plain = new Dictionary<long, SaeWeights>();
        var before = FeatureOrder.Identity(M);   // map (current index -> original index) before the event
        foreach (var record in log)
        {
            Assert.True(record.Step >= Warmup && (record.Step - Warmup) % Interval == 0 && record.Step <= Steps, $"reorder at step {record.Step} is off the periodic schedule");
            var after = Match(TrainOrSaved(record.Step, ReorderStrategyKind.Periodic, saved.Weights!), plain[record.Step] = Train(record.Step, ReorderStrategyKind.None));
            // new j = old position p with before[p] = after[j]
            var inverse = new int[M];
            for (int p = 0; p < M; p++) inverse[before[p]] = p;
            var applied = after.Select(orig => inverse[orig]).ToArray();
            Assert.Equal(applied, record.Order);
            before = after;
        }

        // The saved SAE itself: its features are the unreordered run's, in the logged composite order.
        var final = Match(saved.Weights!, plain.TryGetValue(Steps, out var last) ? last : Train(Steps, ReorderStrategyKind.None));
        Assert.Equal(final, saved.Info.OriginalIndices);
        Assert.Equal(before, saved.Info.OriginalIndices);
    }
}
