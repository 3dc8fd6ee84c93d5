using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace MLSae.Runtime;

/// <summary>
/// The device training runs on, from <see cref="Training.SaeTrainingOptions.Device"/>: "cpu", "cuda" (device 0) or
/// "cuda:N". Parsing needs no native library; <see cref="Resolve"/> loads libtorch and refuses a CUDA device it
/// cannot see, so a run fails before any work (extraction, run folder) rather than at its first tensor.
/// </summary>
public static class TrainingDevice
{
    /// <summary>"cpu".</summary>
    public const string Cpu = "cpu";

    /// <summary>The device type and index of <paramref name="device"/>, or an error naming the option.</summary>
    /// <exception cref="ArgumentException">Not cpu, cuda or cuda:N.</exception>
    public static (DeviceType Type, int Index) Parse(string? device)
    {
        var text = (device ?? "").Trim().ToLowerInvariant();
        if (text == Cpu) return (DeviceType.CPU, -1);
        if (text == "cuda") return (DeviceType.CUDA, 0);
        if (text.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return (DeviceType.CUDA, index);
        throw new ArgumentException($"SaeTrainingOptions.Device must be cpu, cuda or cuda:N (got '{device}').");
    }

    /// <summary>
    /// The TorchSharp device for <paramref name="device"/>; throws <see cref="InvalidOperationException"/> naming the
    /// option when it is CUDA and TorchSharp sees no such device here.
    /// </summary>
    public static Device Resolve(string? device)
    {
        var (type, index) = Parse(device);
        TorchSharpRuntime.EnsureLoaded();
        if (type == DeviceType.CPU) return torch.CPU;
        if (!cuda.is_available())
            throw new InvalidOperationException($"SaeTrainingOptions.Device is '{device}', but TorchSharp sees no CUDA device here " +
                "(this build carries the CPU libtorch, or no GPU/driver is visible). Train with cpu, or build with -p:MLSaeCuda=true " +
                "on a machine with CUDA (docs/gpu.md).");
        int count = cuda.device_count();
        if (index >= count)
            throw new InvalidOperationException($"SaeTrainingOptions.Device is '{device}', but TorchSharp sees {count} CUDA device(s) (cuda:0..cuda:{count - 1}).");
        return new Device(DeviceType.CUDA, index);
    }

    /// <summary>One line on what TorchSharp sees: "cpu only (CUDA not available)" or "cuda: 2 device(s)".</summary>
    public static string Describe()
    {
        TorchSharpRuntime.EnsureLoaded();
        return cuda.is_available() ? $"cuda: {cuda.device_count()} device(s), cpu" : "cpu only (CUDA not available to TorchSharp)";
    }
}
