using MLSae.Browsing;

namespace MLSae.Tests.Browsing;

/// <summary>
/// The generated site opened from file:// in headless chromium and used as a person would, over the DevTools protocol:
/// mouse clicks on the frequency column and a search result, key presses in the token search, no console errors, a screenshot.
/// </summary>
public sealed class FeatureSiteBrowserTests
{
    static async Task<int[]> VisibleOrder(ChromiumSession page) =>
        [.. (await page.EvaluateAsync("Array.from(document.querySelectorAll('tr.feat')).map(function (r) { return +r.getAttribute('data-feature'); })"))!
            .AsArray().Select(n => n!.GetValue<int>())];

    static async Task<int> Count(ChromiumSession page, string selector) =>
        (await page.EvaluateAsync($"document.querySelectorAll({System.Text.Json.JsonSerializer.Serialize(selector)}).length"))!.GetValue<int>();

    static void NoErrors(ChromiumSession page, string errorsText, string where)
    {
        Assert.True(page.Errors.Count == 0, $"{where}: the browser reported errors: {string.Join(" | ", page.Errors)}");
        Assert.Equal("", errorsText);   // the page's own error box stayed empty
    }

    [ChromiumFact]
    public async Task SortByFrequencySearchATokenOpenAFeatureAndSeeShadedTokensAndTheHistogram()
    {
        var (site, data) = FeatureSiteTests.WriteSite();
        await using var page = await ChromiumSession.StartAsync();
        await page.NavigateAsync(HeadlessChromium.FileUrl(Path.Combine(site, "index.html")));
        await page.WaitForAsync("document.body.hasAttribute('data-ready-ms')");
        Assert.Equal(BrowsingTestData.M, await Count(page, "tr.feat"));
        Assert.True(await Count(page, "#density rect.bar") > 0, "the density histogram has bars");
        Assert.Equal(BrowsingTestData.M, await Count(page, "tr.feat svg.spark polyline"));   // one frequency-over-training sparkline per row
        Assert.Equal(3, await Count(page, "#prefix polyline.curve"));   // as trained, frequency, random

        // A click on the frequency header sorts most frequent first; a second click reverses it.
        await page.ClickAsync("th[data-col='2']");
        await page.WaitForAsync("document.querySelector(\"th[data-col='2']\").classList.contains('sorted-desc')");
        var byFrequency = data.Features.OrderByDescending(f => f.Frequency).ThenBy(f => f.Index).Select(f => f.Index).ToArray();
        Assert.Equal(byFrequency, await VisibleOrder(page));
        await page.ClickAsync("th[data-col='2']");
        await page.WaitForAsync("document.querySelector(\"th[data-col='2']\").classList.contains('sorted-asc')");
        Assert.Equal(data.Features.OrderBy(f => f.Frequency).ThenBy(f => f.Index).Select(f => f.Index), await VisibleOrder(page));

        // Typing the token the busiest feature fires on most lists that feature; clicking it opens its page.
        var busiest = data.Features.MaxBy(f => f.Count)!;
        var token = busiest.TopTokens.First(t => t.Token is not null).Token!.Trim();
        await page.TypeAsync("#tokensearch", token);
        var link = $"#tokenresults a[href='feature.html#{busiest.Index}']";
        await page.WaitForAsync($"document.querySelector(\"{link}\")");
        NoErrors(page, (await page.EvaluateAsync("document.getElementById('errors').textContent"))!.GetValue<string>(), "index.html");
        await page.ClickAsync(link);
        await page.WaitForAsync($"location.pathname.endsWith('/feature.html') && document.getElementById('title').textContent.indexOf('Feature {busiest.Index}') === 0 && document.querySelectorAll('.ctx').length > 0");

        // Every token with a positive activation is shaded, one context box per shown context, histogram bars drawn.
        var contexts = busiest.Top.Concat(busiest.Quantiles.SelectMany(q => q.Samples)).ToArray();
        Assert.Equal(contexts.Length, await Count(page, "div.ctx"));
        Assert.Equal(contexts.Sum(c => c.Activations.Count(a => a > 0)), await Count(page, "span.tok.act[style*='background']"));
        Assert.Equal(busiest.Histogram.Count(c => c > 0), await Count(page, "#hist rect.bar[height]:not([height='0'])"));
        Assert.True(await Count(page, "span.tok.id") > 0, "undecodable ids are shown as ids");
        NoErrors(page, (await page.EvaluateAsync("document.getElementById('errors').textContent"))!.GetValue<string>(), "feature.html");

        var png = await page.ScreenshotAsync();
        File.WriteAllBytes(Path.Combine(RepoPaths.NewTempDir("mlsae-browse-shot"), "feature.png"), png);
        Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "chromium returned a PNG screenshot");
    }

    [ChromiumFact]
    public async Task TheComparePageShowsMatchedFeaturesSideBySideAndOpensTheSecondSaesPages()
    {
        int[] order = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5];
        var (site, data, other) = FeatureSiteTests.WriteComparedSite(order);
        await using var page = await ChromiumSession.StartAsync();
        await page.NavigateAsync(HeadlessChromium.FileUrl(Path.Combine(site, "index.html")));
        await page.WaitForAsync("document.body.hasAttribute('data-ready-ms')");
        await page.ClickAsync("#comparelink a");
        await page.WaitForAsync("location.pathname.endsWith('/compare.html') && document.body.hasAttribute('data-ready-ms')");
        var pairs = (await page.EvaluateAsync("Array.from(document.querySelectorAll('tr.pair')).map(function (r) { return [+r.getAttribute('data-a'), +r.getAttribute('data-b'), r.children[3].textContent]; })"))!.AsArray();
        Assert.Equal(BrowsingTestData.M, pairs.Count);
        foreach (var p in pairs) Assert.Equal((p![0]!.GetValue<int>(), "1.000"), (order[p[1]!.GetValue<int>()], p[2]!.GetValue<string>()));

        // Open B's page of A's busiest feature from the table: the same contexts, under B's index.
        var busiest = data.Features.MaxBy(f => f.Count)!;
        int j = Array.IndexOf(order, busiest.Index);
        await page.ClickAsync($"tr.pair[data-a='{busiest.Index}'] a[href='b/feature.html#{j}']");
        await page.WaitForAsync($"location.pathname.endsWith('/b/feature.html') && document.getElementById('title').textContent.indexOf('Feature {j}') === 0 && document.querySelectorAll('.ctx').length > 0");
        Assert.Equal(other.Features[j].Top.Length + other.Features[j].Quantiles.Sum(q => q.Samples.Length), await Count(page, "div.ctx"));
        Assert.Equal(busiest.Top.Select(c => c.Row), other.Features[j].Top.Select(c => c.Row));
        NoErrors(page, (await page.EvaluateAsync("document.getElementById('errors').textContent"))!.GetValue<string>(), "b/feature.html");
    }

    [ChromiumFact]
    public async Task AMissingChunkIsReportedOnThePageAndSeenAsAnError()
    {
        // The harness must be able to fail: a deleted chunk gives a failed load and the page's own message.
        var (site, _) = FeatureSiteTests.WriteSite();
        File.Delete(Path.Combine(site, "data", "chunk-0.js"));
        await using var page = await ChromiumSession.StartAsync();
        await page.NavigateAsync(HeadlessChromium.FileUrl(Path.Combine(site, "feature.html"), "#1"));
        await page.WaitForAsync("document.getElementById('errors').textContent.indexOf('chunk-0.js') >= 0");
        await page.WaitForAsync("true");
        Assert.Contains(page.Errors, e => e.Contains("chunk-0.js", StringComparison.Ordinal));
    }
}
