using Microsoft.ML.OnnxRuntime;

namespace MLSae.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions on CUDA when it works and on CPU otherwise. The GPU package
/// throws <see cref="OnnxRuntimeException"/> when CUDA libraries are missing and the CPU package
/// throws <see cref="EntryPointNotFoundException"/>; GetAvailableProviders() lists CUDA even when
/// it cannot load, so the only reliable test is to try. The outcome is a fact of the installation and the device,
/// probed and logged once per device and process (<see cref="CudaProviderProbe"/>).
/// <see cref="Open(byte[], OnnxExecutionOptions?)"/> returns the provider with the session, so parallel sessions never
/// read each other's.
/// </summary>
public static class OnnxSessionFactory
{

    /// <summary>Opens the ONNX file at <paramref name="modelPath"/>.</summary>
    public static InferenceSession Create(string modelPath, OnnxExecutionOptions? options = null) => Open(modelPath, options).Session;

    /// <summary>Opens an ONNX model held in memory.</summary>
    public static InferenceSession Create(byte[] model, OnnxExecutionOptions? options = null) => Open(model, options).Session;

    /// <summary>Opens the ONNX file at <paramref name="modelPath"/>, returning the provider it runs on with it.</summary>
    public static OnnxSession Open(string modelPath, OnnxExecutionOptions? options = null)
    {
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"ONNX model '{modelPath}' does not exist. Pass the path of a .onnx file.", modelPath);
        return Open(o => new InferenceSession(modelPath, o), modelPath, options);
    }

    /// <summary>Opens an ONNX model held in memory, returning the provider it runs on with it.</summary>
    public static OnnxSession Open(byte[] model, OnnxExecutionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Open(o => new InferenceSession(model, o), "<in-memory model>", options);
    }

    /// <summary>Session options for <paramref name="options"/>, with CUDA appended if it loads.</summary>
    public static SessionOptions CreateSessionOptions(OnnxExecutionOptions? options) => CreateSessionOptions(options, out _);

    /// <summary>Session options for <paramref name="options"/>, with CUDA appended if it loads; <paramref name="provider"/> is "CUDA" or "CPU".</summary>
    public static SessionOptions CreateSessionOptions(OnnxExecutionOptions? options, out string provider) =>
        CreateSessionOptions(options, out provider, CudaProviderProbe.Process);

    internal static SessionOptions CreateSessionOptions(OnnxExecutionOptions? options, out string provider, CudaProviderProbe cuda)
    {
        options = Normalize(options);
        var so = new SessionOptions
        {
            GraphOptimizationLevel = options.OptimizationLevel,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
        };
        provider = options.PreferCuda && cuda.TryAppend(so, options.CudaDeviceId) ? "CUDA" : "CPU";
        return so;
    }

    /// <summary>As <see cref="Open(byte[], OnnxExecutionOptions?)"/>, probing CUDA with <paramref name="cuda"/> (tests use a fresh probe).</summary>
    internal static OnnxSession Open(byte[] model, OnnxExecutionOptions? options, CudaProviderProbe cuda)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Open(o => new InferenceSession(model, o), "<in-memory model>", options, cuda);
    }

    static OnnxSession Open(Func<SessionOptions, InferenceSession> open, string name, OnnxExecutionOptions? options, CudaProviderProbe? cuda = null)
    {
        using var so = CreateSessionOptions(options, out var provider, cuda ?? CudaProviderProbe.Process);
        try
        {
            return new OnnxSession(open(so), provider);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime could not load model {name}: {e.Message}", e);
        }
    }

    static OnnxExecutionOptions Normalize(OnnxExecutionOptions? o) => o ?? new OnnxExecutionOptions();
}
