using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Models;
using MLSae.Runtime;
using MLSae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLSae.Tests.Training;

/// <summary>
/// The device-generic sparse ops (<see cref="SparseCodeOps"/>, used on CUDA) against the CPU kernels, and a whole run
/// forced through them against the normal run; the device option's parsing and its error where no GPU is visible.
/// </summary>
public class DeviceGenericPathTests
{
    const int D = 8;

    static (Tensor Values, Tensor Indices, Tensor Rows, Tensor G) Operands(int b, int k, int m, int d, int seed)
    {
        var r = new Random(seed);
        var idx = Enumerable.Range(0, b * k).Select(_ => (long)r.Next(m)).ToArray();
        idx[1] = idx[0];   // a repeat inside one row
        var v = ReferenceSae.Random(b * k, seed + 1); v[2] = 0f;
        return (tensor(v).reshape(b, k), tensor(idx).reshape(b, k), tensor(ReferenceSae.Random(m * d, seed + 2)).reshape(m, d),
            tensor(ReferenceSae.Random(b * d, seed + 3)).reshape(b, d));
    }

    static void Close(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.data<float>().ToArray(); var a = actual.data<float>().ToArray();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * (1 + Math.Abs(e[i])), $"element {i}: {e[i]} vs {a[i]}");
    }

    [Fact]
    public void GenericOpsEqualTheCpuKernels()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        const int b = 37, k = 5, m = 23, d = 11;
        var (v, idx, w, g) = Operands(b, k, m, d, 7);
        // Same products, summed in another order: float32 rounding only (relative 1e-5).
        Close(SparseCodeKernels.Combine(v, idx, w), SparseCodeOps.Combine(v, idx, w), 1e-5);
        Close(SparseCodeKernels.Dots(g, idx, w), SparseCodeOps.Dots(g, idx, w), 1e-5);
        var (rowsK, sumsK) = SparseCodeKernels.Scatter(v, idx, g, m);
        var (rowsG, sumsG) = SparseCodeOps.Scatter(v, idx, g, m);
        Close(rowsK, rowsG, 1e-5);
        Close(sumsK, sumsG, 1e-5);
    }

    [Fact]
    public void GenericPackRowsEqualsTheCpuKernelExactly()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        const long rows = 6, width = 9;
        // Entries out of row order, an empty row (4) and a row with the most entries (1).
        long[] flat = [1 * width + 3, 0 * width + 2, 1 * width + 0, 5 * width + 8, 1 * width + 7, 2 * width + 1, 3 * width + 4, 0 * width + 6];
        float[] vals = [1, 2, 3, 4, 5, 6, 7, 8];
        var (ik, vk) = SparseCodeKernels.PackRows(tensor(flat), tensor(vals), rows, width);
        var (ig, vg) = SparseCodeOps.PackRows(tensor(flat), tensor(vals), rows, width);
        Assert.Equal(ik.data<long>().ToArray(), ig.data<long>().ToArray());
        Assert.Equal(vk.data<float>().ToArray(), vg.data<float>().ToArray());
        // Row 1 keeps the order given: features 3, 0, 7 with values 1, 3, 5.
        Assert.Equal([3L, 0, 7], ig[1].data<long>().ToArray());
        Assert.Equal([1f, 3, 5], vg[1].data<float>().ToArray());
    }

    static InMemoryActivationSource Data(int rows = 512, int seed = 5)
    {
        var r = new Random(seed);
        var dirs = ReferenceSae.Random(16 * D, seed + 1);
        var data = new float[rows * D];
        for (int t = 0; t < rows; t++)
            for (int c = 0; c < 3; c++)
            {
                int f = r.Next(16); double a = r.NextDouble() * 3;
                for (int j = 0; j < D; j++) data[t * D + j] += (float)(a * dirs[f * D + j]);
            }
        return new InMemoryActivationSource(data, D);
    }

    [Theory]
    [InlineData(SaeArchitecture.TopK)]
    [InlineData(SaeArchitecture.BatchTopK)]
    [InlineData(SaeArchitecture.Matryoshka)]
    public void ARunForcedThroughTheGenericOpsEqualsTheNormalRun(SaeArchitecture arch)
    {
        var o = new SaeTrainingOptions
        {
            Architecture = arch, FeatureCount = 32, K = 4, BatchSize = 64, Steps = 20, WarmupSteps = 2, LearningRate = 1e-2,
            LogEvery = 5, InitSampleRows = 128, ThresholdStartStep = 2, DeadFeatureTokens = 128, AuxKCoefficient = 1.0 / 32,
        };
        var normal = SaeTrainer.Train(Data(), o);
        var generic = SaeTrainer.Train(Data(), o with { GenericSparseOps = true });
        // 20 Adam steps from the same start: the two differ only by float32 summation order; 1e-4 relative bounds that drift.
        foreach (var (a, b) in new[]
        {
            (normal.Weights.EncoderWeights, generic.Weights.EncoderWeights), (normal.Weights.DecoderWeights, generic.Weights.DecoderWeights),
            (normal.Weights.EncoderBias, generic.Weights.EncoderBias), (normal.Weights.DecoderBias, generic.Weights.DecoderBias),
        })
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * (1 + Math.Abs(a[i])), $"{arch} weight {i}: {a[i]} vs {b[i]}");
        Assert.Equal(normal.Metrics[^1].L0, generic.Metrics[^1].L0, 3);
        Assert.Equal(normal.Metrics[^1].Loss, generic.Metrics[^1].Loss, 1e-4);
    }

    [Theory]
    [InlineData("cpu", DeviceType.CPU, -1)]
    [InlineData("CUDA", DeviceType.CUDA, 0)]
    [InlineData("cuda:3", DeviceType.CUDA, 3)]
    public void DeviceNamesParse(string name, DeviceType type, int index) => Assert.Equal((type, index), TrainingDevice.Parse(name));

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("")]
    public void BadDeviceNamesNameTheOption(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new SaeTrainingOptions { Device = name }.Validate());
        Assert.Contains("SaeTrainingOptions.Device must be cpu, cuda or cuda:N", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaWithoutAGpuFailsBeforeTheRunFolderIsWritten()
    {
        TorchSharpRuntime.EnsureLoaded();
        if (cuda.is_available()) return;   // this check is about machines without CUDA (the CPU build always is one)
        var dir = Path.Combine(RepoPaths.NewTempDir(), "run");
        var e = Assert.Throws<InvalidOperationException>(() => SaeTrainer.Train(Data(), new SaeTrainingOptions { Device = "cuda", Steps = 2 }, runDirectory: dir));
        Assert.Contains("SaeTrainingOptions.Device is 'cuda'", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void TrainDeviceCudaFailsAtOnceNamingTheFlag()
    {
        TorchSharpRuntime.EnsureLoaded();
        if (cuda.is_available()) return;
        var dir = RepoPaths.NewTempDir();
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int rc;
        // The cache does not exist: the device is checked first, so the error is about --device.
        try { rc = TrainCommand.Create().Parse(["--activations", Path.Combine(dir, "no-cache"), "--out", Path.Combine(dir, "run"), "--device", "cuda"]).Invoke(); }
        finally { Console.SetError(previous); }
        Assert.Equal(1, rc);
        Assert.Contains("--device is 'cuda', but TorchSharp sees no CUDA device", error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "run")));
    }
}
