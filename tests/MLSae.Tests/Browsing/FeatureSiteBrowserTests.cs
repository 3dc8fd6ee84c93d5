using System.Text.RegularExpressions;
using static MLSae.Tests.Browsing.BrowsingTestData;

namespace MLSae.Tests.Browsing;

/// <summary>The generated site opened from file:// in headless chromium, as a person would: rows, sorting, token search, a feature page with shaded tokens.</summary>
public sealed class FeatureSiteBrowserTests
{
    static void NoErrors(string dom, string log, string page)
    {
        Assert.Contains("<div id=\"errors\"></div>", dom);   // the page's own error capture stayed empty
        Assert.DoesNotContain("Uncaught", log);
        Assert.DoesNotContain("Failed to load resource", log);
        Assert.True(dom.Length > 500, $"{page}: chromium returned no DOM. Log:\n{log}");
    }

    [ChromiumFact]
    public void TheIndexListsEveryFeatureSortsByFrequencyAndFindsFeaturesByToken()
    {
        var (site, data) = FeatureSiteTests.WriteSite();
        var index = Path.Combine(site, "index.html");

        var (dom, log) = HeadlessChromium.Run(HeadlessChromium.FileUrl(index), "--dump-dom");
        NoErrors(dom, log, "index.html");
        Assert.Equal(M, Regex.Matches(dom, "<tr class=\"feat\"").Count);
        Assert.True(Regex.Matches(dom, "<rect class=\"bar\"").Count > 0, "the density histogram has bars");
        Assert.Equal(M, Regex.Matches(dom, "class=\"spark\"><polyline points=\"[0-9., ]+\"").Count);   // one frequency-over-training sparkline per row

        // Sorted by frequency, descending: the first row is the most frequent feature.
        (dom, log) = HeadlessChromium.Run(HeadlessChromium.FileUrl(index, "?sort=2&desc=1"), "--dump-dom");
        NoErrors(dom, log, "index.html?sort=2");
        var order = Regex.Matches(dom, "<tr class=\"feat\" data-feature=\"(\\d+)\"").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(data.Features.OrderByDescending(f => f.Frequency).ThenBy(f => f.Index).Select(f => f.Index), order);

        // Token search: the token the busiest feature fires on most lists that feature.
        var busiest = data.Features.MaxBy(f => f.Count)!;
        var token = busiest.TopTokens.First(t => t.Token is not null).Token!.Trim();
        (dom, log) = HeadlessChromium.Run(HeadlessChromium.FileUrl(index, "?token=" + token), "--dump-dom");
        NoErrors(dom, log, "index.html?token");
        Assert.Contains($"href=\"feature.html#{busiest.Index}\">feature {busiest.Index}</a>", dom);
    }

    [ChromiumFact]
    public void AFeaturePageLoadsItsChunkAndShadesEveryActivatingToken()
    {
        var (site, data) = FeatureSiteTests.WriteSite();
        var busiest = data.Features.MaxBy(f => f.Count)!;
        var url = HeadlessChromium.FileUrl(Path.Combine(site, "feature.html"), "#" + busiest.Index);
        var (dom, log) = HeadlessChromium.Run(url, "--dump-dom");
        NoErrors(dom, log, "feature.html");
        Assert.Contains($"Feature {busiest.Index}", dom);
        int expectedShaded = busiest.Top.Concat(busiest.Quantiles.SelectMany(q => q.Samples)).Sum(c => c.Activations.Count(a => a > 0));
        Assert.Equal(expectedShaded, Regex.Matches(dom, "<span class=\"tok[^\"]*\\bact\\b[^\"]*\"[^>]*style=\"background: rgba?\\(").Count);
        Assert.Equal(busiest.Top.Length + busiest.Quantiles.Sum(q => q.Samples.Length), Regex.Matches(dom, "<div class=\"ctx\"").Count);
        Assert.True(Regex.Matches(dom, "<rect class=\"bar\"").Count >= 1, "the activation histogram has bars");
        Assert.Contains("\u27E8", dom);   // undecodable ids are shown as ids somewhere in the synthetic contexts
        Assert.Contains("<h3>quantile", dom);

        var png = Path.Combine(RepoPaths.NewTempDir("mlsae-browse-shot"), "feature.png");
        HeadlessChromium.Run(url, $"--screenshot={png}", "--window-size=1200,900", "--hide-scrollbars");
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 1000 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', "chromium wrote a PNG screenshot");
    }
}
