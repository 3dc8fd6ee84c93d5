using System.Globalization;
using System.Text;
using System.Text.Json;
using MLSae.Browsing;

namespace MLSae.Reporting.Browser;

/// <summary>
/// Writes <see cref="FeatureBrowserData"/> as a static site that opens from file:// (no server, no network): index.html,
/// feature.html, assets/, data/*.js (the JSON assigned to a global, loaded by script tags) and json/*.json (the same JSON,
/// for other tools; layout in docs/browser.md). The site is built in a temporary sibling folder and renamed into place,
/// so a crash never leaves a half-written site under the target name.
/// </summary>
public static class FeatureSiteWriter
{
    /// <summary>Features per chunk file.</summary>
    public const int ChunkSize = 64;
    /// <summary>Features listed per token in the token search index.</summary>
    public const int FeaturesPerToken = 20;

    /// <summary>
    /// Writes the site to <paramref name="siteDirectory"/>; refuses an existing path unless <paramref name="overwrite"/>.
    /// <paramref name="jsonExport"/> adds json/, the same documents as plain JSON files for other tools (the data/*.js files hold
    /// them behind a one-line prefix); it doubles the site, so it is asked for.
    /// With <paramref name="compare"/>, the second SAE's site goes to b/ and compare.html lists the matched pairs.
    /// </summary>
    public static void Write(FeatureBrowserData data, string siteDirectory, string saeLabel, bool overwrite = false, bool jsonExport = false, SiteComparison? compare = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var site = new FeatureSiteContent(data, saeLabel, compare);
        ArgumentException.ThrowIfNullOrWhiteSpace(siteDirectory);
        var target = Path.GetFullPath(siteDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (File.Exists(target)) throw new IOException($"The site folder '{target}' is a file; pass a folder for the site.");
        if (Directory.Exists(target) && !overwrite)
            throw new IOException($"The site folder '{target}' already exists; pass overwrite: true to replace it or choose another folder.");
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        var tmp = Path.Combine(parent, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            WriteTo(site, tmp, jsonExport);
            if (Directory.Exists(target))
            {
                var old = tmp + ".old";
                Directory.Move(target, old);
                Directory.Move(tmp, target);
                Directory.Delete(old, recursive: true);
            }
            else Directory.Move(tmp, target);
        }
        catch
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            throw;
        }
    }

    static void WriteTo(FeatureSiteContent site, string dir, bool jsonExport)
    {
        foreach (var path in site.StaticFiles) Save(dir, path, Encoding.UTF8.GetBytes(FeatureSiteContent.Static(path)));
        foreach (var name in site.DataNames)
        {
            var json = site.Json(name)!;
            if (jsonExport) Save(dir, $"json/{name}.json", json);
            Save(dir, $"data/{name}.js", FeatureSiteContent.Script(name, json));
        }
        if (site.Other is not null) WriteTo(site.Other, Path.Combine(dir, FeatureSiteContent.OtherFolder), jsonExport);
    }

    static void Save(string dir, string relative, byte[] bytes)
    {
        var path = Path.Combine(dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }
}
