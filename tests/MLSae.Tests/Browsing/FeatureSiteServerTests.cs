using MLSae.Reporting.Browser;

namespace MLSae.Tests.Browsing;

/// <summary>mlsae browse --serve's server: the same bytes as the static site, chunks rendered on request, 404 and 405 otherwise.</summary>
public sealed class FeatureSiteServerTests
{
    [Fact]
    public async Task ServesTheStaticSitesBytesAndNothingElse()
    {
        var (site, data) = FeatureSiteTests.WriteSite();
        using var server = FeatureSiteServer.Start(new FeatureSiteContent(data, "synthetic SAE"));
        Assert.Equal("127.0.0.1", server.Address.Host);
        using var http = new HttpClient { BaseAddress = server.Address };
        foreach (var path in new[] { "index.html", "feature.html", "assets/common.js", "assets/browser.css", "data/index.js", "data/tokens.js", "data/chunk-0.js", "json/index.json", "json/chunk-0.json" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode}");
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(site, path)), await response.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal("text/javascript", (await http.GetAsync(new Uri("data/chunk-0.js", UriKind.Relative))).Content.Headers.ContentType!.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(site, "index.html")), await http.GetByteArrayAsync(new Uri("/", UriKind.Relative)));
        foreach (var missing in new[] { "data/chunk-1.js", "data/chunk-x.js", "compare.html", "json/../index.html.bak", "nothing" })
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync(new Uri(missing, UriKind.Relative))).StatusCode);
        using var post = await http.PostAsync(new Uri("index.html", UriKind.Relative), new StringContent("x"));
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [ChromiumFact]
    public async Task AServedFeaturePageRendersInTheBrowserWithoutErrors()
    {
        var (_, data) = FeatureSiteTests.WriteSite();
        using var server = FeatureSiteServer.Start(new FeatureSiteContent(data, "synthetic SAE"));
        await using var page = await ChromiumSession.StartAsync();
        await page.NavigateAsync(new Uri(server.Address, "index.html").AbsoluteUri);
        await page.WaitForAsync("document.body.hasAttribute('data-ready-ms')");
        var busiest = data.Features.MaxBy(f => f.Count)!;
        await page.ClickAsync($"tr.feat[data-feature='{busiest.Index}'] a");
        await page.WaitForAsync($"document.getElementById('title').textContent.indexOf('Feature {busiest.Index}') === 0 && document.querySelectorAll('.ctx').length > 0");
        Assert.Equal(busiest.Top.Length + busiest.Quantiles.Sum(q => q.Samples.Length), (await page.EvaluateAsync("document.querySelectorAll('div.ctx').length"))!.GetValue<int>());
        Assert.Empty(page.Errors);
    }
}
