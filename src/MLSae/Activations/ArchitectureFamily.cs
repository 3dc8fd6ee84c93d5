namespace MLSae.Activations;

/// <summary>Which per-architecture rules map TransformerLens hook names to ONNX tensors.</summary>
public enum ArchitectureFamily
{
    /// <summary>No rules: hooks resolve only by exact tensor name.</summary>
    Unknown,
    /// <summary>BERT family (BERT, MiniLM, ...): post-LayerNorm encoder, HF export names.</summary>
    Bert,
    /// <summary>GPT-2 (HF export names, pre-LayerNorm, sequential residual).</summary>
    Gpt2,
    /// <summary>GPT-NeoX / Pythia (HF export names, pre-LayerNorm, parallel residual).</summary>
    GptNeoX,
}
