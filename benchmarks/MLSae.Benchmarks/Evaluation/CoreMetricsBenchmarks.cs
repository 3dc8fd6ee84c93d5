using BenchmarkDotNet.Attributes;
using MLSae.Activations;
using MLSae.Evaluation;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Scoring;

namespace MLSae.Benchmarks.Evaluation;

/// <summary>
/// Core metrics on d=384, m=3072 (MiniLM width, 8x dictionary): the metric sums alone (baseline),
/// the CPU and ONNX Runtime SAE forwards alone, and the whole streaming evaluator on each over <see cref="Tokens"/> tokens.
/// Report tokens/s = Tokens / mean time. The evaluator streams fixed 2048-row batches, so time is linear in tokens
/// and memory flat: two sizes show the slope; 1M tokens is extrapolated from it in docs/benchmarks.md (a measured
/// 1M-token run of the CPU forward would take minutes per invocation on this machine).
/// </summary>
public class CoreMetricsBenchmarks
{
    const int D = 384, M = 3072;

    [Params(8192, 16384)]
    public int Tokens { get; set; }

    float[] _x = [], _f = [], _xHat = [];
    SaeCpuForward _forward = null!;
    SaeOnnxForward _onnx = null!;
    InMemoryActivationSource _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        float[] R(long n, double s) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * s); return a; }
        // Encoder bias -0.35 keeps roughly 5% of features firing, like a trained ReLU SAE's L0 of ~150.
        var bias = Enumerable.Repeat(-0.35f, M).ToArray();
        var w = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, D, M, R((long)M * D, 0.05), bias, R((long)M * D, 0.05), R(D, 0.1));
        _forward = new SaeCpuForward(w);
        _onnx = new SaeOnnxForward(w, 2048, new OnnxExecutionOptions { PreferCuda = false });
        _x = R((long)Tokens * D, 1.0);
        _f = new float[(long)Tokens * M];
        _xHat = new float[(long)Tokens * D];
        _forward.Run(_x, Tokens, _f, _xHat);
        _source = new InMemoryActivationSource(_x, D);
    }

    [Benchmark(Baseline = true)]
    public double MetricSumsOnly()
    {
        var acc = new CoreMetricsAccumulator(D, M);
        for (int r = 0; r < Tokens; r += 2048)
        {
            int rows = Math.Min(2048, Tokens - r);
            acc.Add(_x.AsSpan(r * D, rows * D), _f.AsSpan(r * M, rows * M), _xHat.AsSpan(r * D, rows * D), rows);
        }
        return acc.Tokens;
    }

    [Benchmark]
    public int CpuForwardOnly()
    {
        _forward.Run(_x, Tokens, _f, _xHat);
        return _f.Length;
    }

    [Benchmark]
    public int OnnxForwardOnly()
    {
        _onnx.Run(_x, Tokens, _f, _xHat);
        return _f.Length;
    }

    [Benchmark]
    public double FullEvaluator() =>
        new MetricsEvaluator(new MetricsEvaluatorOptions { BatchSize = 2048 }).Evaluate(_source, _forward).ExplainedVariance;

    /// <summary>What `mlsae eval` and `SaeEvaluation().Evaluate(weights, ...)` run: the evaluator on the ORT forward.</summary>
    [Benchmark]
    public double FullEvaluatorOnnx() =>
        new MetricsEvaluator(new MetricsEvaluatorOptions { BatchSize = 2048 }).Evaluate(_source, _onnx).ExplainedVariance;

    [GlobalCleanup]
    public void Cleanup() => _onnx.Dispose();
}
