using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Evaluation;
using MLSae.Models;
using MLSae.Scoring;

namespace MLSae.Runs;

/// <summary>
/// The one SAE forward every run evaluation uses (`mlsae eval` and the experiment runner): the SAE's ONNX graph on
/// ONNX Runtime (<see cref="SaeOnnxForward"/>, the scoring path, several times faster than the C# forward on the
/// dense encoder product), with codes in the unit-decoder-row form (<see cref="UnitRowSaeForward"/>, SAEBench's
/// convention) so l1, mean activations, the feature table and probing rankings do not depend on the decoder's scale.
/// </summary>
public sealed class EvaluationForward : ISaeForward, IDisposable
{
    readonly SaeOnnxForward _onnx;
    readonly UnitRowSaeForward _unitRows;

    /// <summary>Builds the ONNX Runtime session for <paramref name="weights"/>, <paramref name="batchSize"/> rows per call.</summary>
    public EvaluationForward(SaeWeights weights, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _onnx = new SaeOnnxForward(weights, batchSize);
        _unitRows = new UnitRowSaeForward(_onnx, weights);
    }

    /// <inheritdoc />
    public int InputDim => _unitRows.InputDim;

    /// <inheritdoc />
    public int FeatureCount => _unitRows.FeatureCount;

    /// <summary>The execution provider ONNX Runtime runs on ("CUDA" or "CPU").</summary>
    public string Provider => _onnx.Provider;

    /// <inheritdoc />
    public void Run(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction) =>
        _unitRows.Run(x, rows, codes, reconstruction);

    /// <summary>Core metrics on <paramref name="activations"/>, handing each batch of codes to <paramref name="observer"/> (e.g. a feature table).</summary>
    public SaeMetrics CoreMetrics(IActivationSource activations, MetricsEvaluatorOptions options, ICodeObserver? observer = null,
        IProgress<ProgressInfo>? progress = null) =>
        new MetricsEvaluator(options).Evaluate(activations, this, observer, progress);

    /// <inheritdoc />
    public void Dispose() => _onnx.Dispose();
}
