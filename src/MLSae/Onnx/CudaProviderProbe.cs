using Microsoft.ML.OnnxRuntime;
using MLSae.Diagnostics;

namespace MLSae.Onnx;

/// <summary>
/// Whether ONNX Runtime's CUDA provider loads for a device. That is a fact of the installation (the GPU package and the
/// CUDA libraries) and the hardware, which does not change while the process runs, so <see cref="Process"/> probes each
/// device once, logs the outcome once and keeps it: the one piece of process-wide state in MLSae, a cache of an
/// immutable fact, written once per key under a lock. Tests use their own instance.
/// </summary>
internal sealed class CudaProviderProbe
{
    readonly Lock _gate = new();
    readonly Dictionary<int, bool> _works = [];

    /// <summary>The process's probe, used by every session.</summary>
    public static CudaProviderProbe Process { get; } = new();

    /// <summary>Appends the CUDA provider for <paramref name="deviceId"/> to <paramref name="so"/> unless it is known not to load; false when it did not.</summary>
    public bool TryAppend(SessionOptions so, int deviceId)
    {
        lock (_gate)
        {
            if (_works.TryGetValue(deviceId, out var works) && !works) return false;
            // ONNX Runtime logs its own error line when the CUDA provider fails to load; silence it for
            // the probe so the user sees one line from us, then restore the level.
            var env = OrtEnv.Instance();
            var level = env.EnvLogLevel;
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            try
            {
                so.AppendExecutionProvider_CUDA(deviceId);
                if (_works.TryAdd(deviceId, true)) MLSaeLog.Info($"ONNX Runtime: using CUDA device {deviceId}.");
                return true;
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                _works[deviceId] = false;
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
