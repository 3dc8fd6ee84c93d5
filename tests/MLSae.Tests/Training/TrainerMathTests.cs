using MLSae.Models;
using MLSae.Tests.Ordering;
using MLSae.Runtime;
using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Tests.Training;

/// <summary>
/// The trainer's auxiliary math against independent double-precision computations: AuxK, the JumpReLU
/// straight-through gradients with many points inside the window, the decoder-row gradient projection, BatchTopK's
/// threshold moving average, adaptive L1 under gradient accumulation, and option scaling.
/// </summary>
public class TrainerMathTests
{
    const int D = 6, M = 10, B = 8;

    static (SaeModule Module, SaeWeights W, float[] X) Setup(SaeTrainingOptions o, int seed = 1)
    {
        TorchSharpRuntime.EnsureLoaded();
        var module = SaeModuleFactory.Create(o with { FeatureCount = M, NormalizeActivations = false }, D);
        var thresholds = module.InferenceActivation == SaeActivation.JumpReLU ? Enumerable.Repeat(0.1f, M).ToArray() : null;
        var w = ReferenceSae.RandomWeights(o.Architecture, module.InferenceActivation, D, M, seed, thresholds, module.ExportK);
        module.LoadWeights(w);
        return (module, w, ReferenceSae.Random(B * D, seed + 5));
    }

    // ---- AuxK (Gao et al.; dictionary_learning trainers/top_k.py get_auxiliary_loss) -------------------------------

    [Theory]
    [InlineData(true, 5)]    // k_aux = d/2 = 3 < 5 dead
    [InlineData(false, 5)]
    [InlineData(true, 2)]    // k_aux = 2 dead < d/2
    [InlineData(false, 2)]
    public void AuxKMatchesIndependentComputation(bool sparse, int deadCount)
    {
        using var scope = NewDisposeScope();
        const int k = 2;
        const double coef = 1.0 / 32;
        var (module, w, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, K = k, AuxKCoefficient = coef });
        module.SparseKernels = sparse;
        const long deadAfter = 1000;
        var dead = Enumerable.Range(0, M).Select(i => i % 2 == 1 && i / 2 < deadCount).ToArray();
        if (deadCount > M / 2) throw new InvalidOperationException("test setup");
        using (no_grad()) module.TokensSinceFired.copy_(tensor(dead.Select(dd => dd ? deadAfter : 0L).ToArray()));

        int kAux = Math.Min(D / 2, deadCount);
        var e = new double[B][];
        var eHat = new double[B][];
        for (int b = 0; b < B; b++)
        {
            var pre = ReferenceSae.Pre(w, x, b).Select(v => Math.Max(0, v)).ToArray();
            var xh = ReferenceSae.Decode(w, ReferenceSae.TopK(pre, k));
            e[b] = Enumerable.Range(0, D).Select(j => x[b * D + j] - xh[j]).ToArray();
            eHat[b] = new double[D];
            foreach (int i in Enumerable.Range(0, M).Where(i => dead[i]).OrderByDescending(i => pre[i]).Take(kAux))
                for (int j = 0; j < D; j++) eHat[b][j] += pre[i] * w.DecoderWeights[i * D + j];   // decoder without b_dec
        }
        var mean = Enumerable.Range(0, D).Select(j => e.Average(r => r[j])).ToArray();
        double num = Enumerable.Range(0, B).Average(b => Enumerable.Range(0, D).Sum(j => Math.Pow(eHat[b][j] - e[b][j], 2)));
        double den = Enumerable.Range(0, B).Average(b => Enumerable.Range(0, D).Sum(j => Math.Pow(e[b][j] - mean[j], 2)));
        double expected = coef * num / den;

        var fwd = module.Forward(tensor(x).reshape(B, D), new SaeLossContext(1, 0, deadAfter));
        double actual = fwd.AuxiliaryLoss!.item<float>();
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * expected, $"AuxK {actual}, independent {expected}");
        Assert.True(expected > 1e-4, "the auxiliary loss is trivially small; the test would prove nothing");
    }

    [Fact]
    public void AuxKIsAbsentWithoutDeadFeatures()
    {
        using var scope = NewDisposeScope();
        var (module, _, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, K = 2, AuxKCoefficient = 1.0 / 32 });
        var fwd = module.Forward(tensor(x).reshape(B, D), new SaeLossContext(1, 0, 1000));
        Assert.Null(fwd.AuxiliaryLoss);
    }

    // ---- JumpReLU straight-through estimator, many points inside the window ------------------------------------------

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.7)]
    public void JumpReluThresholdGradientMatchesReferenceWithManyPointsInTheWindow(double coef)
    {
        using var scope = NewDisposeScope();
        const double target = 3, eps = 1.0;
        const int b = 24;
        var o = new SaeTrainingOptions { Architecture = SaeArchitecture.JumpReLU, TargetL0 = 3, JumpReluBandwidth = eps, FeatureCount = M, NormalizeActivations = false };
        TorchSharpRuntime.EnsureLoaded();
        var module = (JumpReluSae)SaeModuleFactory.Create(o, D);
        var x = ReferenceSae.Random(b * D, 31);
        var w0 = ReferenceSae.RandomWeights(SaeArchitecture.JumpReLU, SaeActivation.JumpReLU, D, M, 7, Enumerable.Repeat(1f, M).ToArray());
        // Thresholds at each feature's median pre-activation (kept positive through the bias): half the tokens fire.
        var bias = (float[])w0.EncoderBias.Clone();
        var th = new float[M];
        for (int i = 0; i < M; i++)
        {
            var col = Enumerable.Range(0, b).Select(t => ReferenceSae.Pre(w0, x, t)[i]).OrderBy(v => v).ToArray();
            bias[i] += (float)(0.5 - col[0]);
            th[i] = (float)(col[b / 2] - col[0] + 0.513);   // off the median token, so no pre-activation sits on a threshold
        }
        var w = new SaeWeights(SaeArchitecture.JumpReLU, SaeActivation.JumpReLU, D, M, w0.EncoderWeights, bias, w0.DecoderWeights, w0.DecoderBias, th);
        module.LoadWeights(w);

        var pres = Enumerable.Range(0, b).Select(t => ReferenceSae.Pre(w, x, t)).ToArray();
        var fs = pres.Select(p => p.Select((v, i) => v > th[i] ? v : 0).ToArray()).ToArray();
        double l0 = fs.Average(f => f.Count(v => v != 0));
        int inside = 0;
        var expected = new double[M];
        for (int i = 0; i < M; i++)
            for (int t = 0; t < b; t++)
            {
                if (Math.Abs(pres[t][i] - th[i]) >= eps / 2) continue;
                inside++;
                var xh = ReferenceSae.Decode(w, fs[t]);
                double dLdf = 0;
                for (int j = 0; j < D; j++) dLdf += 2 * (xh[j] - x[t * D + j]) * w.DecoderWeights[i * D + j] / b;
                // d f / d theta = -(theta / eps) K; d L0 / d theta = -(1 / eps) K / B; chain rule to log theta: x theta.
                expected[i] += (dLdf * (-th[i] / eps) + 2 * coef * (l0 / target - 1) / target / b * (-1 / eps)) * th[i];
            }
        Assert.True(inside >= b * M / 4, $"only {inside} of {b * M} (token, feature) pairs inside the window");

        var fwd = module.Forward(tensor(x).reshape(b, D), new SaeLossContext(1, coef, long.MaxValue));
        fwd.Loss.backward();
        var grad = module.LogThreshold.grad!.data<float>().ToArray();
        for (int i = 0; i < M; i++)
            Assert.True(Math.Abs(expected[i] - grad[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"feature {i}: expected {expected[i]}, got {grad[i]}");
        Assert.Contains(expected, g => Math.Abs(g) > 1e-2);
    }

    // ---- decoder-row projection (unit-norm decoders) --------------------------------------------------------------

    [Fact]
    public void GradientProjectionRemovesTheComponentAlongEachDecoderRow()
    {
        using var scope = NewDisposeScope();
        var (module, _, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard });
        using (no_grad()) module.W_dec.div_(module.W_dec.norm(1, keepdim: true));
        var wDec = module.W_dec.detach().data<float>().ToArray();
        module.Forward(tensor(x).reshape(B, D), new SaeLossContext(1, 0.1, long.MaxValue)).Loss.backward();
        var g = module.W_dec.grad!.data<float>().ToArray();
        module.BeforeOptimizerStep();
        var projected = module.W_dec.grad!.data<float>().ToArray();
        for (int i = 0; i < M; i++)
        {
            double dot = 0;
            for (int j = 0; j < D; j++) dot += (double)g[i * D + j] * wDec[i * D + j];
            for (int j = 0; j < D; j++)
            {
                double expected = g[i * D + j] - dot * wDec[i * D + j];
                Assert.True(Math.Abs(expected - projected[i * D + j]) <= 1e-5 * Math.Max(1, Math.Abs(g[i * D + j])), $"row {i} col {j}: {projected[i * D + j]} vs {expected}");
            }
        }
        Assert.Contains(Enumerable.Range(0, M * D), e => Math.Abs(g[e] - projected[e]) > 1e-4);
    }

    [Fact]
    public void DecoderNormWeightingLeavesGradientsAndNormsFree()
    {
        using var scope = NewDisposeScope();
        var (module, _, x) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.Standard, L1Weighting = L1Weighting.DecoderNorm });
        module.Forward(tensor(x).reshape(B, D), new SaeLossContext(1, 0.1, long.MaxValue)).Loss.backward();
        var g = module.W_dec.grad!.data<float>().ToArray();
        var w = module.W_dec.detach().data<float>().ToArray();
        module.BeforeOptimizerStep();
        module.AfterOptimizerStep(new SaeLossContext(1, 0.1, long.MaxValue));
        Assert.Equal(g, module.W_dec.grad!.data<float>().ToArray());
        Assert.Equal(w, module.W_dec.detach().data<float>().ToArray());
    }

    // ---- BatchTopK inference threshold ---------------------------------------------------------------------------

    [Fact]
    public void BatchTopKThresholdIsTheMovingAverageOfTheSmallestKeptActivation()
    {
        using var scope = NewDisposeScope();
        const int k = 2, start = 3;
        const double decay = 0.8;
        var (module, w, _) = Setup(new SaeTrainingOptions { Architecture = SaeArchitecture.BatchTopK, K = k, AuxKCoefficient = 0, ThresholdStartStep = start, ThresholdDecay = decay });
        var sae = (BatchTopKSae)module;
        sae.ImportThresholds([-1f]);   // as a new module: not tracked yet
        double expected = -1;
        for (int step = 1; step <= 7; step++)
        {
            var x = ReferenceSae.Random(B * D, 100 + step, 1 + step * 0.3);
            var pre = Enumerable.Range(0, B).SelectMany(t => ReferenceSae.Pre(w, x, t).Select(v => Math.Max(0, v))).ToArray();
            double minKept = pre.OrderByDescending(v => v).Take(k * B).Where(v => v > 0).Min();
            if (step >= start) expected = expected < 0 ? minKept : decay * expected + (1 - decay) * minKept;
            sae.Forward(tensor(x).reshape(B, D), new SaeLossContext(step, 0, long.MaxValue));
            double actual = sae.Threshold.item<float>();
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"step {step}: threshold {actual}, expected {expected}");
        }
    }

    // ---- adaptive L1 with gradient accumulation --------------------------------------------------------------------

    /// <summary>Hands out rows in order (wrapping), so a test knows each step's batches.</summary>
    sealed class SequentialBatches(float[] data, int d) : ITrainingBatchSource
    {
        long _next;
        public int Dimension => d;
        public void NextBatch(int rows, Span<float> destination)
        {
            int total = data.Length / d;
            for (int r = 0; r < rows; r++, _next++)
                data.AsSpan((int)(_next % total) * d, d).CopyTo(destination.Slice(r * d, d));
        }
        public byte[] SaveState() => BitConverter.GetBytes(_next);
        public void LoadState(byte[] state) => _next = BitConverter.ToInt64(state);
    }

    [Fact]
    public void AdaptiveL1UpdatesOncePerOptimizerStep()
    {
        const int batch = 16, accumulation = 3, steps = 6, sample = 16;
        const double baseL1 = 0.05, decay = 0.6;
        // Each micro-batch has its own scale, so compounding per micro-batch would show.
        var r = new Random(3);
        int rows = sample + steps * accumulation * batch;
        var data = new float[rows * D];
        for (int t = 0; t < rows; t++)
        {
            double scale = 0.5 + (t / batch) % 5;
            for (int j = 0; j < D; j++) data[t * D + j] = (float)((r.NextDouble() * 2 - 1) * scale);
        }
        var o = new SaeTrainingOptions
        {
            Architecture = SaeArchitecture.Standard, FeatureCount = M, BatchSize = batch, GradientAccumulation = accumulation, Steps = steps,
            L1Coefficient = baseL1, AdaptiveL1 = true, AdaptiveL1Decay = decay, SparsityWarmupSteps = 0, NormalizeActivations = false,
            InitSampleRows = sample, LogEvery = 1, TuneAllocator = false,
        };
        var result = SaeTrainer.Train(new SequentialBatches(data, D), o);

        double average = -1;
        for (int step = 1; step <= steps; step++)
        {
            double norm = 0;
            int first = sample + (step - 1) * accumulation * batch;
            for (int t = first; t < first + accumulation * batch; t++)
                norm += Math.Sqrt(Enumerable.Range(0, D).Sum(j => (double)data[t * D + j] * data[t * D + j]));
            norm /= accumulation * batch;
            average = average < 0 ? norm : decay * average + (1 - decay) * norm;
            double expected = baseL1 * norm / average;
            double actual = result.Metrics[step - 1].SparsityCoefficient;
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * expected, $"step {step}: coefficient {actual}, expected {expected}");
        }
    }

    // ---- option scaling and validation ---------------------------------------------------------------------------

    [Fact]
    public void JumpReluBandwidthAndThresholdScaleWithTheNormalisation()
    {
        TorchSharpRuntime.EnsureLoaded();
        const int d = 16;
        var o = new SaeTrainingOptions { Architecture = SaeArchitecture.JumpReLU, FeatureCount = 8 };
        // E||x||^2 = d after normalisation: pre-activations are sqrt(d) times those of dictionary_learning's E||x||^2 = 1.
        using (var normalised = (JumpReluSae)SaeModuleFactory.Create(o, d))
        {
            Assert.Equal(SaeTrainingDefaults.JumpReluBandwidth * Math.Sqrt(d), normalised.Bandwidth, 9);
            Assert.All(normalised.ExportThresholds()!, t => Assert.Equal(SaeTrainingDefaults.JumpReluInitialThreshold * Math.Sqrt(d), t, 6));
        }
        using var raw = (JumpReluSae)SaeModuleFactory.Create(o with { NormalizeActivations = false }, d);
        Assert.Equal(SaeTrainingDefaults.JumpReluBandwidth, raw.Bandwidth, 9);
        Assert.All(raw.ExportThresholds()!, t => Assert.Equal(SaeTrainingDefaults.JumpReluInitialThreshold, t, 6));
    }

    [Fact]
    public void JumpReluSparsityCoefficientScalesWithTheReconstructionLoss()
    {
        var data = TestTraining.StructuredData(512, 16, seed: 4);
        var o = new SaeTrainingOptions
        {
            Architecture = SaeArchitecture.JumpReLU, FeatureCount = 32, BatchSize = 64, Steps = 2, SparsityWarmupSteps = 0, LogEvery = 1,
            InitSampleRows = 128, JumpReluSparsityCoefficient = 0.5, TuneAllocator = false,
        };
        // E||x||^2 = d makes the reconstruction loss d times dictionary_learning's, so the L0 penalty's weight follows.
        Assert.Equal(0.5 * 16, SaeTrainer.Train(new MLSae.Activations.InMemoryActivationSource(data, 16), o).Metrics[0].SparsityCoefficient, 9);
        Assert.Equal(0.5, SaeTrainer.Train(new MLSae.Activations.InMemoryActivationSource(data, 16), o with { NormalizeActivations = false }).Metrics[0].SparsityCoefficient, 9);
    }

    [Theory]
    [InlineData(SaeArchitecture.BatchTopK)]
    [InlineData(SaeArchitecture.Matryoshka)]
    public void ARunShorterThanTheThresholdStartStepStillExportsATrackedThreshold(SaeArchitecture architecture)
    {
        // The default ThresholdStartStep (1,000) is longer than this run: without tracking, the exported JumpReLU
        // threshold would be the untracked initial value and every positive pre-activation would fire at inference.
        var data = TestTraining.StructuredData(512, 16, seed: 6);
        var o = new SaeTrainingOptions
        {
            Architecture = architecture, FeatureCount = 32, K = 4, BatchSize = 64, Steps = 20, InitSampleRows = 128, TuneAllocator = false,
            MatryoshkaPrefixFractions = architecture == SaeArchitecture.Matryoshka ? [0.5, 1.0] : null,
        };
        Assert.True(o.ThresholdStartStep > o.Steps);
        var thresholds = SaeTrainer.Train(new MLSae.Activations.InMemoryActivationSource(data, 16), o).Weights.Thresholds!;
        Assert.All(thresholds, t => Assert.True(t > 0, $"threshold {t} was never tracked"));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(10.0)]
    public void JumpReluThresholdsLearnAtTheirOwnRate(double scale)
    {
        // One Adam step from zero moments moves every parameter with a gradient by lr x g / (|g| + eps), i.e. by the
        // group's learning rate: log thresholds must move by scale x lr and no more.
        const double lr = 1e-3, theta0 = 0.5;
        var data = TestTraining.StructuredData(512, 16, seed: 5);
        var o = new SaeTrainingOptions
        {
            Architecture = SaeArchitecture.JumpReLU, FeatureCount = 32, BatchSize = 256, Steps = 1, WarmupSteps = 0, SparsityWarmupSteps = 0,
            LearningRate = lr, NormalizeActivations = false, InitSampleRows = 128, TuneAllocator = false, TargetL0 = 4,
            JumpReluThresholdInit = JumpReluThresholdInit.Constant, JumpReluInitialThreshold = theta0, JumpReluBandwidth = 2.0,
            JumpReluThresholdLearningRateScale = scale,
        };
        var thresholds = SaeTrainer.Train(new MLSae.Activations.InMemoryActivationSource(data, 16), o).Weights.Thresholds!;
        var moves = thresholds.Select(t => Math.Abs(Math.Log(t / theta0))).ToArray();
        Assert.True(moves.Count(v => v > 0) >= 16, $"only {moves.Count(v => v > 0)} of 32 thresholds had a gradient");
        Assert.All(moves, v => Assert.True(v == 0 || Math.Abs(v - scale * lr) < 0.05 * scale * lr, $"log threshold moved {v}, expected {scale * lr}"));
    }

    [Fact]
    public void JumpReluThresholdsStartWhereEachFeatureFiresAtTheTargetRate()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        const int d = 8, m = 20, n = 200;
        const double target = 3;   // each feature should fire on 200 x 3 / 20 = 30 rows
        using var module = (JumpReluSae)SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.JumpReLU, FeatureCount = m, NormalizeActivations = false }, d);
        var x = ReferenceSae.Random(n * d, 12);
        module.StartThresholdsAtTargetL0(tensor(x).reshape(n, d), target);
        var w = module.ToWeights(1.0);
        for (int i = 0; i < m; i++)
        {
            var pre = Enumerable.Range(0, n).Select(t => ReferenceSae.Pre(w, x, t)[i]).ToArray();
            int fires = pre.Count(v => v > w.Thresholds![i] * (1 + 1e-6));
            Assert.True(fires == 29 || fires == 30, $"feature {i} fires on {fires} rows at threshold {w.Thresholds![i]}");
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(12)]
    public void MatryoshkaDefaultPrefixesWorkForSmallFeatureCounts(int m)
    {
        TorchSharpRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var module = (MatryoshkaSae)SaeModuleFactory.Create(new SaeTrainingOptions { Architecture = SaeArchitecture.Matryoshka, FeatureCount = m, K = 2 }, 4);
        Assert.Equal(m, module.PrefixSizes[^1]);
        Assert.True(module.PrefixSizes.Zip(module.PrefixSizes.Skip(1)).All(p => p.First < p.Second), string.Join(",", module.PrefixSizes));
        Assert.Equal(module.PrefixSizes.Length, module.Weights.Length);
        Assert.Equal(1.0, module.Weights.Sum(), 9);
        var fwd = module.Forward(tensor(ReferenceSae.Random(8 * 4, 2)).reshape(8, 4), new SaeLossContext(1, 0, long.MaxValue));
        Assert.True(float.IsFinite(fwd.Loss.item<float>()));
    }

    [Fact]
    public void MatryoshkaPrefixesThatCollapseAreANamedError()
    {
        TorchSharpRuntime.EnsureLoaded();
        var o = new SaeTrainingOptions { Architecture = SaeArchitecture.Matryoshka, FeatureCount = 8, K = 2, MatryoshkaPrefixFractions = [0.05, 0.1, 0.5, 1.0] };
        var ex = Assert.ThrowsAny<ArgumentException>(() => SaeModuleFactory.Create(o, 4));
        Assert.Contains(nameof(SaeTrainingOptions.MatryoshkaPrefixFractions), ex.Message);
        Assert.Contains("m = 8", ex.Message);

        var weights = o with { MatryoshkaPrefixFractions = [0.5, 1.0], MatryoshkaWeights = [0.2, 0.3, 0.5] };
        var ex2 = Assert.ThrowsAny<ArgumentException>(() => SaeModuleFactory.Create(weights, 4));
        Assert.Contains(nameof(SaeTrainingOptions.MatryoshkaWeights), ex2.Message);
    }
}
