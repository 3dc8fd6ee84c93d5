using System.Text.Json;
using MLSae.Activations.Cache;
using MLSae.Browsing;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Reporting.Browser;
using static MLSae.Tests.Browsing.BrowsingTestData;

namespace MLSae.Tests.Browsing;

/// <summary>The static site's files and JSON export, and its refusal to overwrite.</summary>
public sealed class FeatureSiteTests
{
    internal static readonly FeatureBrowserOptions SiteOptions = new() { TopContexts = 6, ReservoirSize = 16, ContextBefore = 6, ContextAfter = 3, BatchSize = 64 };

    internal static (string Site, FeatureBrowserData Data) WriteSite(string? site = null, SiteComparison? compare = null)
    {
        var weights = Sae();
        using var cache = ActivationCache.Open(WriteCache());
        var forward = new SaeCpuForward(weights, 2);
        // Five snapshots of a made-up EMA frequency, indexed by original feature index as the tracker writes them.
        var history = new FeatureHistory(M, [100, 200, 300, 400, 500], [1000, 2000, 3000, 4000, 5000], new float[5],
            [.. Enumerable.Range(0, 5).Select(s => Enumerable.Range(0, M).Select(i => 0.001f * (i + 1) * (s + 1)).ToArray())]);
        var data = FeatureBrowserBuilder.Build(weights, cache, forward.Encode, Decode, history, SiteOptions);
        site ??= Path.Combine(RepoPaths.NewTempDir("mlsae-browse-site"), "site");
        FeatureSiteWriter.Write(data, site, "synthetic SAE", jsonExport: true, compare: compare);
        return (site, data);
    }

    /// <summary>The site compared with <see cref="PermutedSae"/>(<paramref name="order"/>): B's data built on the same cache.</summary>
    internal static (string Site, FeatureBrowserData Data, FeatureBrowserData Other) WriteComparedSite(int[] order)
    {
        var b = PermutedSae(order);
        using var cache = ActivationCache.Open(WriteCache());
        var other = FeatureBrowserBuilder.Build(b, cache, new SaeCpuForward(b, 2).Encode, Decode, null, SiteOptions);
        var (site, data) = WriteSite(compare: new SiteComparison(other, "permuted SAE", FeatureMatching.Compare(Sae(), b)));
        return (site, data, other);
    }

    [Fact]
    public void TheJsonExportHoldsEveryFeatureInDocumentedChunksAndTheScriptsWrapTheSameJson()
    {
        var (site, data) = WriteSite();
        foreach (var f in new[] { "index.html", "feature.html", "assets/common.js", "assets/index.js", "assets/feature.js", "assets/browser.css", "data/index.js", "data/tokens.js", "data/chunk-0.js" })
            Assert.True(File.Exists(Path.Combine(site, f)), f);
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(site)!, ".*"));   // no temporary folder left behind

        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(site, "json", "index.json")));
        var root = index.RootElement;
        Assert.Equal("mlsae-feature-browser", root.GetProperty("format").GetString());
        Assert.Equal(M, root.GetProperty("m").GetInt32());
        Assert.Equal(Rows, root.GetProperty("rows").GetInt64());
        Assert.Equal(M, root.GetProperty("features").GetArrayLength());
        var row3 = root.GetProperty("features")[3];
        Assert.Equal(3, row3[0].GetInt32());
        Assert.Equal(data.Features[3].Frequency, row3[2].GetDouble(), 3);
        Assert.Equal(data.Features[3].Count, row3[6].GetInt64());
        Assert.Equal(M, root.GetProperty("history").GetArrayLength());
        Assert.Equal(0.002 * 5, root.GetProperty("history")[1][4].GetDouble(), 6);   // feature 1 at the last snapshot

        var chunkJson = File.ReadAllText(Path.Combine(site, "json", "chunk-0.json"));
        Assert.EndsWith(chunkJson + ";\n", File.ReadAllText(Path.Combine(site, "data", "chunk-0.js")));
        using var chunk = JsonDocument.Parse(chunkJson);
        var features = chunk.RootElement.GetProperty("features");
        Assert.Equal(M, features.GetArrayLength());
        var busiest = data.Features.MaxBy(f => f.Count)!;
        var fj = features[busiest.Index];
        var top0 = fj.GetProperty("top")[0];
        Assert.Equal(busiest.Top[0].Row, top0.GetProperty("row").GetInt64());
        Assert.Equal(busiest.Top[0].TokenIds.Length, top0.GetProperty("acts").GetArrayLength());
        Assert.Equal(busiest.Top[0].Center, top0.GetProperty("center").GetInt32());
        // The chunk's vocab decodes every id of its contexts; undecodable ids map to null.
        var vocab = chunk.RootElement.GetProperty("vocab");
        foreach (var c in data.Features.SelectMany(f => f.Top))
            for (int j = 0; j < c.TokenIds.Length; j++)
            {
                var v = vocab.GetProperty(c.TokenIds[j].ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(c.Tokens[j], v.ValueKind == JsonValueKind.Null ? null : v.GetString());
            }
        Assert.Contains(vocab.EnumerateObject(), p => p.Value.ValueKind == JsonValueKind.Null);
        using var tokens = JsonDocument.Parse(File.ReadAllText(Path.Combine(site, "json", "tokens.json")));
        Assert.True(tokens.RootElement.GetProperty("tokens").EnumerateObject().Any());
    }

    [Fact]
    public void AnExistingSiteIsRefusedUnlessOverwriteIsPassedAndThenReplacedWhole()
    {
        var (site, data) = WriteSite();
        File.WriteAllText(Path.Combine(site, "stale.txt"), "old");
        var e = Assert.Throws<IOException>(() => FeatureSiteWriter.Write(data, site, "x"));
        Assert.Contains("overwrite: true", e.Message);
        Assert.Contains("--overwrite", MLSae.Cli.Rendering.CliErrors.Message(e));
        Assert.True(File.Exists(Path.Combine(site, "stale.txt")));
        FeatureSiteWriter.Write(data, site, "x", overwrite: true);
        Assert.False(File.Exists(Path.Combine(site, "stale.txt")));
        Assert.True(File.Exists(Path.Combine(site, "index.html")));
        Assert.Single(Directory.GetFileSystemEntries(Path.GetDirectoryName(site)!));
    }
}
