namespace MLSae.Tests.Browsing;

/// <summary>A fact that needs Debian's chromium (/usr/bin/chromium, installed by .ci/run); skipped with the reason when it is missing.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Path = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Path)) Skip = $"{Path} is not installed (apt-get install -y chromium; .ci/run installs it): the browser test of the feature site cannot run.";
    }
}
