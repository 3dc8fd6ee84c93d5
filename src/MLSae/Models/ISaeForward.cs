namespace MLSae.Models;

/// <summary>
/// Runs an SAE on a batch of activation rows: codes f = act(W_enc (x - b_dec) + b_enc) and
/// reconstructions x_hat = W_dec^T f + b_dec. Implemented on the CPU by <see cref="SaeCpuForward"/>;
/// a batched ONNX Runtime scorer can implement it too.
/// </summary>
public interface ISaeForward
{
    /// <summary>d, the width of one input row.</summary>
    int InputDim { get; }

    /// <summary>m, the number of features (width of one code row).</summary>
    int FeatureCount { get; }

    /// <summary>
    /// Encodes and decodes <paramref name="rows"/> rows of <paramref name="x"/> ([rows, d] row-major)
    /// into <paramref name="codes"/> ([rows, m]) and <paramref name="reconstruction"/> ([rows, d]).
    /// </summary>
    void Run(ReadOnlySpan<float> x, int rows, Span<float> codes, Span<float> reconstruction);
}
