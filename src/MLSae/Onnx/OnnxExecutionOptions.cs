using Microsoft.ML.OnnxRuntime;

namespace MLSae.Onnx;

/// <summary>How ONNX Runtime sessions run: device and threads.</summary>
public sealed record OnnxExecutionOptions
{
    /// <summary>Creates options with the defaults in <see cref="OnnxExecutionDefaults"/>.</summary>
    public OnnxExecutionOptions() { }

    /// <summary>Try the CUDA execution provider first; fall back to CPU when it cannot load.</summary>
    public bool PreferCuda { get; init; } = OnnxExecutionDefaults.PreferCuda;
    /// <summary>CUDA device ordinal.</summary>
    public int CudaDeviceId { get; init; } = OnnxExecutionDefaults.CudaDeviceId;
    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; init; } = OnnxExecutionDefaults.IntraOpThreads;
    /// <summary>Threads across independent operators; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; } = OnnxExecutionDefaults.InterOpThreads;
    /// <summary>Graph optimisation level.</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = OnnxExecutionDefaults.OptimizationLevel;
}

/// <summary>Default values of <see cref="OnnxExecutionOptions"/>.</summary>
public static class OnnxExecutionDefaults
{
    /// <summary>CUDA when present.</summary>
    public const bool PreferCuda = true;
    /// <summary>First GPU.</summary>
    public const int CudaDeviceId = 0;
    /// <summary>Let ONNX Runtime choose.</summary>
    public const int IntraOpThreads = 0;
    /// <summary>Let ONNX Runtime choose.</summary>
    public const int InterOpThreads = 0;
    /// <summary>All optimisations.</summary>
    public const GraphOptimizationLevel OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
}
