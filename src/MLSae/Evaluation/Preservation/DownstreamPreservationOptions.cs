using MLSae.Onnx;

namespace MLSae.Evaluation.Preservation;

/// <summary>Which preservation measure <see cref="DownstreamPreservationEvaluator"/> computes.</summary>
public enum DownstreamModelKind
{
    /// <summary>Causal LM when the graph has a <c>logits</c> output, encoder when the model is a BERT-style encoder.</summary>
    Auto,
    /// <summary>KL divergence and next-token cross-entropy from the logits (SAEBench's kl_div_score, ce_loss_score).</summary>
    CausalLm,
    /// <summary>Cosine distance of mean-pooled final hidden states (sentence embeddings).</summary>
    Encoder,
}

/// <summary>How <see cref="DownstreamPreservationEvaluator"/> runs.</summary>
public sealed record DownstreamPreservationOptions
{
    /// <summary>Creates options with the defaults in <see cref="DownstreamPreservationDefaults"/>.</summary>
    public DownstreamPreservationOptions() { }

    /// <summary>Causal LM or encoder measure; <see cref="DownstreamModelKind.Auto"/> decides from the model.</summary>
    public DownstreamModelKind Kind { get; init; } = DownstreamPreservationDefaults.Kind;
    /// <summary>The graph output compared: null uses <c>logits</c> for causal LMs and the first graph output (MiniLM: <c>last_hidden_state</c>) for encoders.</summary>
    public string? OutputName { get; init; }
    /// <summary>Tokens per context, special tokens included (texts are packed as `mlsae extract` packs them).</summary>
    public int ContextLength { get; init; } = DownstreamPreservationDefaults.ContextLength;
    /// <summary>Contexts per ONNX Runtime run; 0 picks the largest batch whose three output buffers stay within <see cref="MaxOutputFloats"/>.</summary>
    public int BatchSize { get; init; } = DownstreamPreservationDefaults.BatchSize;
    /// <summary>Upper bound on the floats held by the three output buffers (original, SAE, ablation) when <see cref="BatchSize"/> is 0.</summary>
    public long MaxOutputFloats { get; init; } = DownstreamPreservationDefaults.MaxOutputFloats;
    /// <summary>Stop after this many evaluated (text) tokens; 0 for the whole input.</summary>
    public long MaxTokens { get; init; } = DownstreamPreservationDefaults.MaxTokens;
    /// <summary>
    /// False (default, as SAEBench's core eval with <c>exclude_special_tokens_from_reconstruction</c>):
    /// special-token positions (BOS/EOS/CLS/SEP) keep their own activations in the SAE run. True: every
    /// position reads the reconstruction. Zero ablation always zeroes every position.
    /// </summary>
    public bool ReconstructSpecialTokens { get; init; } = DownstreamPreservationDefaults.ReconstructSpecialTokens;
    /// <summary>Device and threads of the ONNX Runtime session.</summary>
    public OnnxExecutionOptions Execution { get; init; } = new();

    internal DownstreamPreservationOptions Validated()
    {
        var o = this;
        if (o.ContextLength < 2) throw new ArgumentOutOfRangeException(nameof(ContextLength), $"Context length must be at least 2 (got {o.ContextLength}).");
        if (o.BatchSize < 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"Batch size must be 0 (automatic) or positive (got {o.BatchSize}).");
        if (o.MaxTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxTokens), $"Max tokens must be 0 (no limit) or positive (got {o.MaxTokens}).");
        if (o.MaxOutputFloats < 1) throw new ArgumentOutOfRangeException(nameof(MaxOutputFloats), $"The output budget must be positive (got {o.MaxOutputFloats}).");
        return o;
    }
}

/// <summary>Default values of <see cref="DownstreamPreservationOptions"/>.</summary>
public static class DownstreamPreservationDefaults
{
    /// <summary>Decide from the model.</summary>
    public const DownstreamModelKind Kind = DownstreamModelKind.Auto;
    /// <summary>SAEBench's context size.</summary>
    public const int ContextLength = 128;
    /// <summary>Automatic.</summary>
    public const int BatchSize = 0;
    /// <summary>48M floats (192 MB) for the three output buffers: 2 contexts of 128 tokens for Pythia's 50k vocabulary, 32 (the cap) for MiniLM.</summary>
    public const long MaxOutputFloats = 48L << 20;
    /// <summary>Largest automatic batch.</summary>
    public const int MaxAutoBatchSize = 32;
    /// <summary>20,480 tokens: SAELens' default of 10 batches of 16 prompts x 128 tokens (SAEBench's published runs use 200 batches).</summary>
    public const long MaxTokens = 20_480;
    /// <summary>Special tokens keep their activations in the SAE run.</summary>
    public const bool ReconstructSpecialTokens = false;
    /// <summary>The output causal LMs are compared on.</summary>
    public const string LogitsOutput = "logits";
}
