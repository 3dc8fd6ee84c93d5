using System.Globalization;
using System.Text;
using System.Text.Json;
using MLSae.Browsing;

namespace MLSae.Reporting.Browser;

/// <summary>A second SAE shown beside the first: its own site under <see cref="FeatureSiteContent.OtherFolder"/> and the matching.</summary>
/// <param name="Other">The second SAE's browser data (same cache).</param>
/// <param name="OtherLabel">How the second SAE is named on the pages.</param>
/// <param name="Comparison">Every feature of the first SAE matched to one of the second.</param>
public sealed record SiteComparison(FeatureBrowserData Other, string OtherLabel, FeatureComparison Comparison);

/// <summary>
/// Every file of the site by relative path, produced on demand: the writer asks for all of them, the server
/// (<see cref="FeatureSiteServer"/>) only for what a browser requests. data/NAME.js is json/NAME.json behind a one-line prefix.
/// </summary>
public sealed class FeatureSiteContent
{
    /// <summary>Folder of the compared SAE's site.</summary>
    public const string OtherFolder = "b";

    static readonly Dictionary<string, string> s_static = new(StringComparer.Ordinal)
    {
        ["index.html"] = BrowserPages.Index, ["feature.html"] = BrowserPages.Feature, ["compare.html"] = BrowserPages.Compare,
        ["assets/browser.css"] = BrowserScripts.Css, ["assets/common.js"] = BrowserScripts.Common, ["assets/index.js"] = BrowserScripts.Index,
        ["assets/feature.js"] = BrowserScripts.Feature, ["assets/compare.js"] = CompareScript.Source,
    };

    readonly FeatureBrowserData _data;
    readonly string _label;
    readonly SiteComparison? _compare;

    /// <summary>The site of <paramref name="data"/>, titled <paramref name="saeLabel"/>, optionally compared with a second SAE.</summary>
    public FeatureSiteContent(FeatureBrowserData data, string saeLabel, SiteComparison? compare = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (compare is not null && compare.Comparison.Matches.Length != data.Features.Length)
            throw new ArgumentException($"The comparison matches {compare.Comparison.Matches.Length} features but the SAE has {data.Features.Length}.", nameof(compare));
        _data = data;
        _label = saeLabel;
        _compare = compare;
        Other = compare is null ? null : new FeatureSiteContent(compare.Other, compare.OtherLabel);
    }

    /// <summary>The compared SAE's site (served and written under <see cref="OtherFolder"/>), or null.</summary>
    public FeatureSiteContent? Other { get; }

    /// <summary>Feature chunk files.</summary>
    public int Chunks => (_data.Features.Length + FeatureSiteWriter.ChunkSize - 1) / FeatureSiteWriter.ChunkSize;

    /// <summary>Pages, stylesheet and scripts (compare.html only when there is a comparison).</summary>
    public IEnumerable<string> StaticFiles => s_static.Keys.Where(k => _compare is not null || !k.Contains("compare", StringComparison.Ordinal));

    /// <summary>Names of the JSON documents: index, tokens, chunk-0 .. chunk-N, and compare when there is one.</summary>
    public IEnumerable<string> DataNames =>
        new[] { "index", "tokens" }.Concat(Enumerable.Range(0, Chunks).Select(c => $"chunk-{c}")).Concat(_compare is null ? [] : ["compare"]);

    /// <summary>A static file's text.</summary>
    public static string Static(string path) => s_static[path];

    /// <summary>The JSON document <paramref name="name"/> (see <see cref="DataNames"/>); null when there is no such document.</summary>
    public byte[]? Json(string name)
    {
        if (name == "index") return Serialize(w => FeatureSiteJson.WriteIndex(w, _data, _label, _compare?.OtherLabel));
        if (name == "tokens") return Serialize(w => FeatureSiteJson.WriteTokens(w, _data));
        if (name == "compare" && _compare is not null) return Serialize(w => CompareJson.Write(w, _data, _label, _compare));
        if (name.StartsWith("chunk-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out int c) && c < Chunks)
            return Serialize(w => FeatureSiteJson.WriteChunk(w, _data, c));
        return null;
    }

    /// <summary>The global a data script assigns its JSON to.</summary>
    public static string Global(string name) => name.StartsWith("chunk-", StringComparison.Ordinal)
        ? $"(MLSAE.chunks = MLSAE.chunks || {{}})[{name[6..]}]" : $"MLSAE.{name}";

    /// <summary>data/NAME.js: the JSON assigned to a global, so a script tag loads it from file:// (fetch cannot).</summary>
    public static byte[] Script(string name, byte[] json)
    {
        var prefix = Encoding.UTF8.GetBytes("window.MLSAE = window.MLSAE || {};\n" + Global(name) + " = ");
        return [.. prefix, .. json, .. ";\n"u8];
    }

    /// <summary>Any file by relative path ("index.html", "data/chunk-3.js", "json/index.json", "b/..."); null when there is none.</summary>
    public byte[]? File(string path)
    {
        if (Other is not null && path.StartsWith(OtherFolder + "/", StringComparison.Ordinal)) return Other.File(path[(OtherFolder.Length + 1)..]);
        if (StaticFiles.Contains(path)) return Encoding.UTF8.GetBytes(s_static[path]);
        if (path.StartsWith("data/", StringComparison.Ordinal) && path.EndsWith(".js", StringComparison.Ordinal))
            return Json(path[5..^3]) is { } json ? Script(path[5..^3], json) : null;
        if (path.StartsWith("json/", StringComparison.Ordinal) && path.EndsWith(".json", StringComparison.Ordinal)) return Json(path[5..^5]);
        return null;
    }

    static byte[] Serialize(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default })) write(w);
        return ms.ToArray();
    }
}
