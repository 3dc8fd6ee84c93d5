namespace MLSae.Activations;

/// <summary>What one extraction did; handed to <see cref="IActivationSink.Complete"/> for the cache manifest.</summary>
/// <param name="Model">Model name (e.g. "minilm-l6").</param>
/// <param name="Hook">Hook as requested.</param>
/// <param name="TensorName">ONNX tensor read.</param>
/// <param name="Dimension">d, floats per row.</param>
/// <param name="ContextLength">Tokens per context, special tokens included.</param>
/// <param name="Documents">Documents read (the last one may be partly used when stopped early).</param>
/// <param name="Contexts">Contexts run through the model.</param>
/// <param name="TokensStored">Rows written to the sink.</param>
/// <param name="SpecialTokensSkipped">CLS/SEP/BOS/EOS positions not stored.</param>
/// <param name="PaddingSkipped">Padding positions not stored.</param>
/// <param name="StoppedAtMaxTokens">True when --max-tokens ended the run before the corpus did.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="Provider">ONNX Runtime provider used ("CPU" or "CUDA").</param>
public sealed record ExtractionSummary(
    string Model, string Hook, string TensorName, int Dimension, int ContextLength,
    long Documents, long Contexts, long TokensStored, long SpecialTokensSkipped, long PaddingSkipped,
    bool StoppedAtMaxTokens, TimeSpan Elapsed, string Provider)
{
    /// <summary>Stored rows per second of wall time.</summary>
    public double TokensPerSecond => TokensStored / Math.Max(Elapsed.TotalSeconds, 1e-9);
}
