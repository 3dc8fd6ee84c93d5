using Microsoft.ML.OnnxRuntime;

namespace MLSae.Onnx;

/// <summary>An ONNX Runtime session and the execution provider it was created with.</summary>
/// <param name="Session">The session (owned by the caller).</param>
/// <param name="Provider">"CUDA" or "CPU".</param>
public sealed record OnnxSession(InferenceSession Session, string Provider);
