namespace MLSae.Transformers.Hub;

/// <summary>Defaults of <see cref="HubOptions"/>, matching huggingface_hub.</summary>
public static class HubDefaults
{
    /// <summary>The public Hub.</summary>
    public const string Endpoint = "https://huggingface.co";
    /// <summary>The branch fetched when none is named.</summary>
    public const string Revision = "main";
    /// <summary>Attempts per file when a transfer breaks off (each resumes where the last stopped).</summary>
    public const int MaxAttempts = 5;
}

/// <summary>Where and how <see cref="HubDownloader"/> fetches files.</summary>
public sealed record HubOptions
{
    /// <summary>Applies the defaults, reading HF_ENDPOINT, HF_TOKEN and the cache location from the environment like huggingface_hub.</summary>
    public HubOptions()
    {
        Endpoint = Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } e ? e : HubDefaults.Endpoint;
        Token = Environment.GetEnvironmentVariable("HF_TOKEN") is { Length: > 0 } t ? t : null;
        CacheDirectory = DefaultCacheDirectory();
    }

    /// <summary>Base URL of the Hub (HF_ENDPOINT, else https://huggingface.co).</summary>
    public string Endpoint { get; init; }

    /// <summary>Bearer token for gated or private repos (HF_TOKEN); null for none.</summary>
    public string? Token { get; init; }

    /// <summary>Cache root holding models--{org}--{name} folders (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).</summary>
    public string CacheDirectory { get; init; }

    /// <summary>Attempts per file when the connection drops mid-transfer.</summary>
    public int MaxAttempts { get; init; } = HubDefaults.MaxAttempts;

    /// <summary>The cache root huggingface_hub would use, so Python and MLSae share downloads.</summary>
    public static string DefaultCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } cache) return cache;
        if (Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } home) return Path.Combine(home, "hub");
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "huggingface", "hub");
    }
}
