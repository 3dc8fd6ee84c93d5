using System.Diagnostics;

namespace MLSae.Tests.Browsing;

/// <summary>Runs headless chromium once on a file:// URL: the DOM after scripts ran (--dump-dom) or a screenshot, plus its log.</summary>
static class HeadlessChromium
{
    public static (string Stdout, string Stderr) Run(string url, params string[] extra)
    {
        var profile = RepoPaths.NewTempDir("mlsae-chromium-profile");
        var psi = new ProcessStartInfo(ChromiumFactAttribute.Path)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
            $"--user-data-dir={profile}" }.Concat(extra).Append(url))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish on {url} within 120 s.");
        }
        return (stdout.Result, stderr.Result);
    }

    public static string FileUrl(string path, string suffix = "") => new Uri(path).AbsoluteUri + suffix;
}
