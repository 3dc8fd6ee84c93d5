using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Runtime;
using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Tests.Ordering;

public class FeatureTrackerTests
{
    // Per-step fire counts for m = 3 features, 10 tokens per step.
    static readonly float[][] Fires = [[10, 0, 5], [0, 0, 5], [10, 2, 5], [0, 4, 5]];
    static readonly float[][] Sums = [[3, 0, 1], [0, 0, 2], [1, 1, 1], [0, 2, 2]];

    static void Feed(FeatureTracker tracker, TestSae module, int fromStep, int toStep)
    {
        for (int s = fromStep; s <= toStep; s++)
        {
            using var scope = NewDisposeScope();
            tracker.OnStepEnd(new TrainingStepContext(s, module, null!, tensor(Fires[s - 1]), tensor(Sums[s - 1]), 10, 0, null));
        }
    }

    static ReorderOptions Opts => new() { EmaDecay = 0.5, VarianceWindow = 2, HistoryInterval = 1 };

    [Fact]
    public void CountsEmaAndWindowVarianceMatchHandComputation()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var module = new TestSae(2, 3, 1);
        using var tracker = new FeatureTracker(Opts);
        tracker.OnTrainingStart(new TrainingStartContext(module, null!, 1, 4, null));
        Feed(tracker, module, 1, 4);

        // Independent double computation.
        var ema = new double[3]; var emaAct = new double[3]; var counts = new double[3];
        for (int s = 0; s < 4; s++)
            for (int i = 0; i < 3; i++)
            {
                double p = Fires[s][i] / 10.0, a = Sums[s][i] / 10.0;
                ema[i] = s == 0 ? p : 0.5 * ema[i] + 0.5 * p;
                emaAct[i] = s == 0 ? a : 0.5 * emaAct[i] + 0.5 * a;
                counts[i] += Fires[s][i];
            }
        var gotEma = tracker.EmaFrequencies();
        var gotAct = tracker.EmaMeanActivations();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(ema[i], gotEma[i], 6);
            Assert.Equal(emaAct[i], gotAct[i], 6);
            Assert.Equal(counts[i], tracker.FireCounts()[i]);
            Assert.Equal(counts[i] / 40.0, tracker.Frequencies()[i], 6);
        }
        Assert.Equal(40, tracker.TotalTokens);
        // Window = steps 3 and 4: per-feature population variance of (1,0), (0.2,0.4), (0.5,0.5) = 0.25, 0.01, 0.
        Assert.Equal((0.25 + 0.01 + 0) / 3, tracker.WindowVariance(), 9);
    }

    [Fact]
    public void CheckpointRoundTripAndPermutationKeepHistoryInOriginalOrder()
    {
        TorchSharpRuntime.EnsureLoaded();
        var dir = RepoPaths.NewTempDir();
        using var module = new TestSae(2, 3, 1);
        byte[] state;
        float[] emaBefore;
        using (var tracker = new FeatureTracker(Opts))
        {
            tracker.OnTrainingStart(new TrainingStartContext(module, null!, 1, 4, dir));
            Feed(tracker, module, 1, 2);
            int[] order = [2, 0, 1];
            using (var scope = NewDisposeScope())
                tracker.Permute(2, order, tensor(new long[] { 2, 0, 1 }), "test");
            emaBefore = tracker.EmaFrequencies();
            state = tracker.SaveState();
            Feed(tracker, module, 3, 3);   // a step after the checkpoint: its snapshot must be dropped on resume
        }
        using (var resumed = new FeatureTracker(Opts))
        {
            resumed.LoadState(state);
            resumed.OnTrainingStart(new TrainingStartContext(module, null!, 3, 4, dir));
            Assert.Equal(emaBefore, resumed.EmaFrequencies());
            Assert.Equal([2, 0, 1], resumed.Log.OriginalIndices.ToArray());
            Assert.Equal(2, resumed.LastReorderStep);
            Assert.Equal(20, resumed.TotalTokens);
            // Feed step 3 with counts given in the CURRENT order (feature j = original order[j]).
            using (var scope = NewDisposeScope())
                resumed.OnStepEnd(new TrainingStepContext(3, module, null!, tensor(new float[] { 5, 10, 2 }), tensor(new float[] { 1, 1, 1 }), 10, 0, null));
        }
        var history = FeatureHistoryFile.Read(Path.Combine(dir, RunFolder.FeatureHistory));
        Assert.Equal([1L, 2L, 3L], history.Steps);
        Assert.Equal([10L, 20L, 30L], history.Tokens);
        // Original-order EMA by hand (decay 0.5): orig 0: 1, 0.5, 0.75; orig 1: 0, 0, 0.1; orig 2: 0.5, 0.5, 0.5.
        double[][] expected = [[1, 0, 0.5], [0.5, 0, 0.5], [0.75, 0.1, 0.5]];
        for (int s = 0; s < 3; s++)
            for (int i = 0; i < 3; i++)
                Assert.Equal(expected[s][i], history.Frequencies[s][i], 3);   // float16 storage
        Assert.True(float.IsNaN(history.WindowVariance[0]));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void StrategiesTriggerOnTheDocumentedSteps()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var module = new TestSae(2, 3, 1);
        using var tracker = new FeatureTracker(new ReorderOptions { VarianceWindow = 2, HistoryInterval = 0 });
        tracker.OnTrainingStart(new TrainingStartContext(module, null!, 1, 20, null));
        var once = new OnceReorderStrategy(5);
        var periodic = new PeriodicReorderStrategy(5, 3);
        Assert.Equal([5L], Enumerable.Range(1, 20).Select(s => (long)s).Where(s => once.ShouldReorder(s, tracker)));
        Assert.Equal([5L, 8L, 11L, 14L, 17L, 20L], Enumerable.Range(1, 20).Select(s => (long)s).Where(s => periodic.ShouldReorder(s, tracker)));
        Assert.False(new NoReorderStrategy().ShouldReorder(5, tracker));

        // Adaptive: window variance (steps 3, 4 of Fires) = 0.26 / 3 = 0.0867.
        Feed(tracker, module, 1, 4);
        Assert.False(new AdaptiveReorderStrategy(0, 0.1).ShouldReorder(4, tracker));
        Assert.True(new AdaptiveReorderStrategy(0, 0.08).ShouldReorder(4, tracker));
        Assert.False(new AdaptiveReorderStrategy(5, 0.08).ShouldReorder(4, tracker));   // still in warm-up
        var hybrid = new HybridReorderStrategy(new PeriodicReorderStrategy(100, 100), new AdaptiveReorderStrategy(0, 0.08));
        Assert.True(hybrid.ShouldReorder(4, tracker));
        // Cool-down: a reorder at step 4 blocks adaptive until the window (2 steps) has passed.
        using (var scope = NewDisposeScope())
            tracker.Permute(4, [0, 1, 2], tensor(new long[] { 0, 1, 2 }), "test");
        Assert.False(new AdaptiveReorderStrategy(0, 0.08).ShouldReorder(5, tracker));
        Assert.True(new AdaptiveReorderStrategy(0, 0.08).ShouldReorder(6, tracker));
    }
}
