using TorchSharp;

namespace MLSae.Runtime;

/// <summary>Loads libtorch once and turns a native load failure into an actionable message.</summary>
public static class TorchSharpRuntime
{
    static readonly Lazy<Exception?> s_load = new(TryLoad);

    /// <summary>Throws <see cref="InvalidOperationException"/> explaining the fix when TorchSharp cannot load.</summary>
    public static void EnsureLoaded()
    {
        if (s_load.Value is { } e)
            throw new InvalidOperationException(
                "TorchSharp's native library could not be loaded. On Debian 12 / Ubuntu 22.04 the build patches " +
                "libLibTorchSharp.so (eng/torchsharp-glibcxx) and needs gcc and g++ for it: install them " +
                "(apt-get install -y build-essential) and rebuild. See README 'Troubleshooting'. Cause: " + Innermost(e).Message, e);
    }

    static Exception? TryLoad()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
