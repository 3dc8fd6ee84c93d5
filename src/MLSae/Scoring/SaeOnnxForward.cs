using Microsoft.ML.OnnxRuntime;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Persistence.Onnx;

namespace MLSae.Scoring;

/// <summary>
/// <see cref="ISaeForward"/> on ONNX Runtime: the SAE's batched encode+decode graph, run in batches
/// through pre-allocated buffers. ORT's GEMM makes it several times faster than
/// <see cref="SaeCpuForward"/> on the dense encoder product, which dominates evaluation time.
/// </summary>
public sealed class SaeOnnxForward : ISaeForward, IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _run = new();
    readonly float[] _input, _codes, _reconstruction;
    readonly OrtValue _inputValue, _codesValue, _reconstructionValue;
    readonly int _batch;
    static readonly string[] s_inputs = [SaeOnnxDefaults.InputName];
    static readonly string[] s_outputs = [SaeOnnxDefaults.FeaturesName, SaeOnnxDefaults.ReconstructionName];

    /// <summary>Builds the session for <paramref name="weights"/>, running at most <paramref name="batchSize"/> rows per call to ORT.</summary>
    public SaeOnnxForward(SaeWeights weights, int batchSize = 2048, OnnxExecutionOptions? execution = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        InputDim = weights.InputDim;
        FeatureCount = weights.FeatureCount;
        _batch = batchSize;
        var onnx = SaeOnnx.Export(weights, new SaeOnnxOptions { Kind = SaeGraphKind.EncodeDecode, Batched = true });
        (_session, Provider) = OnnxSessionFactory.Open(onnx, execution);
        _input = new float[(long)_batch * InputDim];
        _codes = new float[(long)_batch * FeatureCount];
        _reconstruction = new float[(long)_batch * InputDim];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [_batch, InputDim]);
        _codesValue = OrtValue.CreateTensorValueFromMemory(_codes, [_batch, FeatureCount]);
        _reconstructionValue = OrtValue.CreateTensorValueFromMemory(_reconstruction, [_batch, InputDim]);
    }

    /// <inheritdoc />
    public int InputDim { get; }

    /// <inheritdoc />
    public int FeatureCount { get; }

    /// <summary>"CUDA" or "CPU".</summary>
    public string Provider { get; }

    /// <inheritdoc />
    public void Run(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction)
    {
        int d = InputDim, m = FeatureCount;
        if (x.Length < (long)rows * d) throw new ArgumentException($"x holds {x.Length} floats; {rows} rows of d = {d} need {(long)rows * d}.", nameof(x));
        if (codes.Length < (long)rows * m) throw new ArgumentException($"codes holds {codes.Length} floats; {rows} rows of m = {m} need {(long)rows * m}.", nameof(codes));
        if (reconstruction.Length < (long)rows * d) throw new ArgumentException($"reconstruction holds {reconstruction.Length} floats; {rows} rows need {(long)rows * d}.", nameof(reconstruction));
        for (int start = 0; start < rows; start += _batch)
        {
            int n = Math.Min(_batch, rows - start);
            x.Slice(start * d, n * d).CopyTo(_input);
            if (n == _batch)
                _session.Run(_run, s_inputs, [_inputValue], s_outputs, [_codesValue, _reconstructionValue]);
            else
                RunPartial(n);
            _codes.AsSpan(0, n * m).CopyTo(codes.Slice(start * m, n * m));
            _reconstruction.AsSpan(0, n * d).CopyTo(reconstruction.Slice(start * d, n * d));
        }
    }

    // The last, partial batch runs on views of the first n rows so ORT computes only those.
    void RunPartial(int n)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, n * InputDim), [n, InputDim]);
        using var codes = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _codes.AsMemory(0, n * FeatureCount), [n, FeatureCount]);
        using var rec = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _reconstruction.AsMemory(0, n * InputDim), [n, InputDim]);
        _session.Run(_run, s_inputs, [input], s_outputs, [codes, rec]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _inputValue.Dispose();
        _codesValue.Dispose();
        _reconstructionValue.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
