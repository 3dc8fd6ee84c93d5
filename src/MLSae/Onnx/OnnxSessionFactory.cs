using Microsoft.ML.OnnxRuntime;
using MLSae.Diagnostics;

namespace MLSae.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions on CUDA when it works and on CPU otherwise. The GPU package
/// throws <see cref="OnnxRuntimeException"/> when CUDA libraries are missing and the CPU package
/// throws <see cref="EntryPointNotFoundException"/>; GetAvailableProviders() lists CUDA even when
/// it cannot load, so the only reliable test is to try. The outcome is logged once per process.
/// <see cref="Open(byte[], OnnxExecutionOptions?)"/> returns the provider with the session, so parallel sessions never
/// read each other's.
/// </summary>
public static class OnnxSessionFactory
{
    static readonly Lock s_gate = new();
    static bool? s_cudaWorks;

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
    public static SessionOptions CreateSessionOptions(OnnxExecutionOptions? options, out string provider)
    {
        options = Normalize(options);
        var so = new SessionOptions
        {
            GraphOptimizationLevel = options.OptimizationLevel,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
        };
        provider = options.PreferCuda && TryAppendCuda(so, options.CudaDeviceId) ? "CUDA" : "CPU";
        return so;
    }

    static OnnxSession Open(Func<SessionOptions, InferenceSession> open, string name, OnnxExecutionOptions? options)
    {
        using var so = CreateSessionOptions(options, out var provider);
        try
        {
            return new OnnxSession(open(so), provider);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime could not load model {name}: {e.Message}", e);
        }
    }

    /// <summary>Forgets whether CUDA loaded, so the next session probes (and logs) again. For tests.</summary>
    internal static void ResetProviderProbe()
    {
        lock (s_gate) s_cudaWorks = null;
    }

    static OnnxExecutionOptions Normalize(OnnxExecutionOptions? o) => o ?? new OnnxExecutionOptions();

    static bool TryAppendCuda(SessionOptions so, int deviceId)
    {
        lock (s_gate)
        {
            if (s_cudaWorks == false) return false;
            // ONNX Runtime logs its own error line when the CUDA provider fails to load; silence it for
            // the probe so the user sees one line from us, then restore the level.
            var env = OrtEnv.Instance();
            var level = env.EnvLogLevel;
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                so.AppendExecutionProvider_CUDA(deviceId);
                if (s_cudaWorks is null) MLSaeLog.Info($"ONNX Runtime: using CUDA device {deviceId}.");
                s_cudaWorks = true;
                return true;
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                s_cudaWorks = false;
                MLSaeLog.Info($"ONNX Runtime: CUDA unavailable ({FirstLine(e.Message)}); running on CPU.");
                return false;
            }
            finally
            {
                env.EnvLogLevel = level;
            }
        }
    }

    static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        return i < 0 ? s : s[..i];
    }
}
