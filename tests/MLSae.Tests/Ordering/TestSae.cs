using MLSae.Ordering;
using MLSae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Tests.Ordering;

/// <summary>A test-only ReLU SAE: f = relu((x - b_dec) W_enc^T + b_enc), x_hat = f W_dec + b_dec.</summary>
sealed class TestSae : nn.Module<Tensor, Tensor>, IFeaturePermutable, IFeatureDecoder
{
    public readonly Parameter W_enc, b_enc, W_dec, b_dec;

    public TestSae(int d, int m, int seed, ScalarType dtype = ScalarType.Float32) : base(nameof(TestSae))
    {
        var rng = new Random(seed);
        float[] Rand(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        W_enc = new Parameter(tensor(Rand(m * d, 1.0 / Math.Sqrt(d))).reshape(m, d).to_type(dtype));
        b_enc = new Parameter(tensor(Rand(m, 0.05)).to_type(dtype));
        W_dec = new Parameter(tensor(Rand(m * d, 1.0 / Math.Sqrt(m))).reshape(m, d).to_type(dtype));
        b_dec = new Parameter(zeros(d).to_type(dtype));
        RegisterComponents();
        FeatureCount = m;
    }

    public int FeatureCount { get; }
    public Tensor DecoderWeights => W_dec;

    public IEnumerable<(Parameter Parameter, long FeatureDim)> FeatureParameters() => [(W_enc, 0), (b_enc, 0), (W_dec, 0)];
    public IEnumerable<(Tensor Buffer, long FeatureDim)> FeatureBuffers() => [];

    public override Tensor forward(Tensor x) => nn.functional.relu(matmul(x - b_dec, W_enc.t()) + b_enc);
    public Tensor Decode(Tensor f) => matmul(f, W_dec) + b_dec;
}

enum TestLoss { Standard, Matryoshka }

/// <summary>A tiny Adam training loop that calls observers like the real trainer does.</summary>
static class TestTraining
{
    public sealed record Result(double[] Losses, float[] WEnc, float[] BEnc, float[] WDec, float[] BDec, FeatureTracker Tracker, int Reorders);

    /// <summary>x = sparse non-negative mix of k of g ground-truth directions + noise; fixed for a seed.</summary>
    public static float[] StructuredData(int rows, int d, int seed, int directions = 48, int active = 3)
    {
        var rng = new Random(seed);
        var dirs = new double[directions, d];
        for (int g = 0; g < directions; g++)
        {
            double n = 0;
            for (int k = 0; k < d; k++) { dirs[g, k] = rng.NextDouble() * 2 - 1; n += dirs[g, k] * dirs[g, k]; }
            for (int k = 0; k < d; k++) dirs[g, k] /= Math.Sqrt(n);
        }
        // Zipf-like direction popularity so features end up with very different frequencies.
        var weights = Enumerable.Range(1, directions).Select(r => 1.0 / r).ToArray();
        double total = weights.Sum();
        var x = new float[rows * d];
        for (int r = 0; r < rows; r++)
        {
            for (int a = 0; a < active; a++)
            {
                double u = rng.NextDouble() * total, c = 0;
                int g = 0;
                for (; g < directions - 1; g++) { c += weights[g]; if (u < c) break; }
                double amp = 0.5 + 2 * rng.NextDouble();
                for (int k = 0; k < d; k++) x[r * d + k] += (float)(amp * dirs[g, k]);
            }
            for (int k = 0; k < d; k++) x[r * d + k] += (float)(0.02 * (rng.NextDouble() * 2 - 1));
        }
        return x;
    }

    public static Result Train(float[] data, int d, int m, int steps, int batch, ReorderOptions options, TestLoss loss = TestLoss.Standard,
        double l1 = 0.01, double lr = 1e-3, int seed = 1, Action<long, TestSae, optim.Optimizer>? afterStep = null, ScalarType dtype = ScalarType.Float32)
    {
        // Tiny matrices: one thread avoids OpenMP hand-off costs on a shared 2-core machine (same math either way).
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try { return TrainCore(data, d, m, steps, batch, options, loss, l1, lr, seed, afterStep, dtype); }
        finally { torch.set_num_threads(threads); }
    }

    static Result TrainCore(float[] data, int d, int m, int steps, int batch, ReorderOptions options, TestLoss loss,
        double l1, double lr, int seed, Action<long, TestSae, optim.Optimizer>? afterStep, ScalarType dtype)
    {
        using var module = new TestSae(d, m, seed, dtype);
        using var opt = optim.Adam(module.parameters(), lr: lr);
        var (tracker, observers) = FeatureOrdering.CreateObservers(options);
        foreach (var o in observers) o.OnTrainingStart(new TrainingStartContext(module, opt, 1, steps, null));
        int rows = data.Length / d;
        var all = tensor(data).reshape(rows, d).to_type(dtype);
        var losses = new double[steps];
        for (int step = 1; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            long start = (long)(step - 1) * batch % (rows - batch + 1);
            var x = all.narrow(0, start, batch);
            var f = module.forward(x);
            Tensor lossT;
            if (loss == TestLoss.Standard)
                lossT = (module.Decode(f) - x).square().sum(1).mean() + l1 * f.abs().sum(1).mean();
            else
            {
                // Nested prefixes m/4, m/2, m each reconstruct x: feature order matters by design.
                lossT = l1 * f.abs().sum(1).mean();
                foreach (int n in new[] { m / 4, m / 2, m })
                {
                    var xh = matmul(f.narrow(1, 0, n), module.W_dec.narrow(0, 0, n)) + module.b_dec;
                    lossT = lossT + (xh - x).square().sum(1).mean();
                }
            }
            opt.zero_grad();
            lossT.backward();
            opt.step();
            losses[step - 1] = lossT.to_type(ScalarType.Float64).item<double>();
            using (no_grad())
            {
                var fd = f.detach();
                var fires = fd.gt(0).to_type(ScalarType.Float32).sum([0L]);
                var sums = fd.sum([0L]).to_type(ScalarType.Float32);
                var ctx = new TrainingStepContext(step, module, opt, fires, sums, batch, losses[step - 1], null);
                foreach (var o in observers) o.OnStepEnd(ctx);
            }
            afterStep?.Invoke(step, module, opt);
        }
        int reorders = observers.OfType<FeatureReorderObserver>().Sum(r => r.ReorderCount);
        return new Result(losses, ToArray(module.W_enc), ToArray(module.b_enc), ToArray(module.W_dec), ToArray(module.b_dec), tracker, reorders);
    }

    public static float[] ToArray(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    /// <summary>Rows of <paramref name="permuted"/> put back at their original index: result[orig[j]] = permuted[j].</summary>
    public static float[] Unpermute(float[] permuted, ReadOnlySpan<int> originalIndices, int width)
    {
        var result = new float[permuted.Length];
        for (int j = 0; j < originalIndices.Length; j++)
            permuted.AsSpan(j * width, width).CopyTo(result.AsSpan(originalIndices[j] * width, width));
        return result;
    }

    /// <summary>||a - b|| / ||b|| in double.</summary>
    public static double RelativeDifference(float[] a, float[] b)
    {
        double num = 0, den = 0;
        for (int i = 0; i < a.Length; i++) { double diff = (double)a[i] - b[i]; num += diff * diff; den += (double)b[i] * b[i]; }
        return Math.Sqrt(num / den);
    }
}
