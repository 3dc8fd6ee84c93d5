using MLSae.Cli.Commands;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using static MLSae.Tests.Browsing.BrowsingTestData;

namespace MLSae.Tests.Browsing;

/// <summary>mlsae browse end to end on the synthetic cache, and its refusals (exit 1, nothing written).</summary>
public sealed class BrowseCommandTests
{
    static string RunFolderWithSae(bool history)
    {
        var run = RepoPaths.NewTempDir("mlsae-browse-run");
        SaeOnnx.Save(Sae(), Path.Combine(run, RunFolder.Sae));
        if (history)
        {
            using var fs = FeatureHistoryFile.OpenForAppend(Path.Combine(run, RunFolder.FeatureHistory), M, 0);
            for (int s = 0; s < 3; s++)
                FeatureHistoryFile.Append(fs, 100 * (s + 1), 1000 * (s + 1), float.NaN, [.. Enumerable.Range(0, M).Select(i => 0.01f * (i + 1) * (s + 1))]);
        }
        return run;
    }

    static int Browse(params string[] args) => BrowseCommand.Create().Parse(args).Invoke();

    [Fact]
    public void ARunFolderWithHistoryGivesASiteWithSparklines_WithoutHistoryOrJsonTheSiteStillBuilds()
    {
        var cache = WriteCache();
        var site = Path.Combine(RepoPaths.NewTempDir("mlsae-browse-out"), "site");
        Assert.Equal(0, Browse("--sae", RunFolderWithSae(history: true), "--activations", cache, "--out", site, "--top", "4", "--cpu", "--json"));
        var index = File.ReadAllText(Path.Combine(site, "json", "index.json"));
        Assert.Contains("\"historyTokens\":[1000,2000,3000]", index);
        Assert.Contains("\"history\":[[0.01,0.02,0.03],", index);   // feature 0's EMA frequency at the three snapshots

        var bare = Path.Combine(RepoPaths.NewTempDir("mlsae-browse-out"), "site");
        Assert.Equal(0, Browse("--sae", Path.Combine(RunFolderWithSae(history: false), RunFolder.Sae), "--activations", cache, "--out", bare, "--cpu"));
        Assert.Contains("\"history\":null", File.ReadAllText(Path.Combine(bare, "data", "index.js")));
        Assert.False(Directory.Exists(Path.Combine(bare, "json")));
    }

    [Fact]
    public void CompareWritesTheSideBySidePageAndTheSecondSaesSite()
    {
        var other = Path.Combine(RepoPaths.NewTempDir("mlsae-browse-other"), "sae.onnx");
        SaeOnnx.Save(PermutedSae([1, 0, 3, 2, 5, 4, 7, 6, 9, 8]), other);
        var site = Path.Combine(RepoPaths.NewTempDir("mlsae-browse-out"), "site");
        Assert.Equal(0, Browse("--sae", RunFolderWithSae(history: false), "--compare", other, "--activations", WriteCache(), "--out", site, "--cpu"));
        foreach (var f in new[] { "compare.html", "assets/compare.js", "data/compare.js", "b/index.html", "b/feature.html", "b/data/chunk-0.js" })
            Assert.True(File.Exists(Path.Combine(site, f)), f);
        var compare = File.ReadAllText(Path.Combine(site, "data", "compare.js"));
        Assert.Contains("\"pairs\":[[0,1,1,true,", compare);   // feature 0 of A is feature 1 of B, cosine 1
        Assert.Contains("\"comparedWith\":", File.ReadAllText(Path.Combine(site, "data", "index.js")));
    }

    /// <summary>mlsae in a fresh process: exit code, stdout, stderr.</summary>
    static (int Exit, string Stdout, string Stderr) RunCli(params string[] args)
    {
        var r = Reliability.ReliabilityData.RunCli(args);
        return (r.Exit, r.Stdout, r.Stderr);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void BadInputIsNamedOnStandardErrorAndAMissingHistoryIsSaidOnce()
    {
        var run = RunFolderWithSae(history: false);
        var outDir = RepoPaths.NewTempDir("mlsae-browse-out");
        var (exit, stdout, stderr) = RunCli("browse", "--sae", run, "--activations", WriteCache(d: 4), "--out", Path.Combine(outDir, "a"), "--cpu");
        Assert.Equal(1, exit);
        Assert.Contains("error: The activation cache", stderr);
        Assert.Contains("d = 4 but the SAE reads d = 6", stderr);
        Assert.DoesNotContain("error", stdout);

        (exit, _, stderr) = RunCli("browse", "--sae", run, "--activations", WriteCache(model: "other-model"), "--out", Path.Combine(outDir, "b"), "--cpu");
        Assert.Equal(1, exit);
        Assert.Contains("comes from model 'other-model' but the SAE was trained on 'test-model'", stderr);
        Assert.Empty(Directory.GetFileSystemEntries(outDir));

        (exit, stdout, stderr) = RunCli("browse", "--sae", run, "--activations", WriteCache(), "--out", Path.Combine(outDir, "c"), "--cpu");
        Assert.Equal(0, exit);
        Assert.Single(stderr.Split('\n'), l => l.Contains("feature_history.bin", StringComparison.Ordinal) && l.Contains("sparklines are left out", StringComparison.Ordinal));
        Assert.Contains("index.html", stdout);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task ServeInAFreshProcessServesTheStaticSitesBytesAndStopsWhenStandardInputCloses()
    {
        var run = RunFolderWithSae(history: false);
        var cache = WriteCache();
        var site = Path.Combine(RepoPaths.NewTempDir("mlsae-browse-out"), "site");
        Assert.Equal(0, Browse("--sae", run, "--activations", cache, "--out", site, "--cpu"));

        using var process = Reliability.ReliabilityData.StartCli(redirectInput: true, "browse", "--sae", run, "--activations", cache, "--serve", "--port", "0", "--cpu");
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // The command prints "serving http://127.0.0.1:PORT/index.html (Ctrl+C stops)" once it listens.
            string? line;
            var deadline = DateTime.UtcNow.AddMinutes(2);
            do line = await process.StandardOutput.ReadLineAsync().WaitAsync(deadline - DateTime.UtcNow);
            while (line is not null && !line.StartsWith("serving ", StringComparison.Ordinal));
            if (line is null) Assert.Fail($"no 'serving' line; stderr: {await stderr}");   // stderr completes only at exit
            var index = new Uri(line.Split(' ')[1]);
            Assert.Equal("127.0.0.1", index.Host);
            Assert.NotEqual(0, index.Port);

            using var http = new HttpClient { BaseAddress = new Uri(index, "/") };
            foreach (var path in new[] { "index.html", "feature.html", "data/index.js", "data/chunk-0.js" })
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(site, path)), await http.GetByteArrayAsync(new Uri(path, UriKind.Relative)));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync(new Uri("data/chunk-99.js", UriKind.Relative))).StatusCode);

            process.StandardInput.Close();   // a parent process stops the server by closing its standard input
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the server did not stop when standard input closed");
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void AMismatchedCacheOrAnExistingSiteExitsOneAndWritesNothing()
    {
        var run = RunFolderWithSae(history: false);
        var outDir = RepoPaths.NewTempDir("mlsae-browse-out");
        Assert.Equal(1, Browse("--sae", run, "--activations", WriteCache(d: 4), "--out", Path.Combine(outDir, "a"), "--cpu"));
        Assert.Equal(1, Browse("--sae", run, "--activations", WriteCache(model: "other-model"), "--out", Path.Combine(outDir, "b"), "--cpu"));
        Assert.Equal(1, Browse("--sae", run, "--activations", Path.Combine(outDir, "no-cache"), "--out", Path.Combine(outDir, "c"), "--cpu"));
        Assert.Equal(1, Browse("--sae", Path.Combine(outDir, "no-sae"), "--activations", WriteCache(), "--out", Path.Combine(outDir, "d"), "--cpu"));
        Assert.Equal(1, Browse("--sae", run, "--activations", WriteCache(), "--cpu"));   // neither --out nor --serve
        var narrow = Path.Combine(RepoPaths.NewTempDir("mlsae-browse-narrow"), "sae.onnx");
        SaeOnnx.Save(new MLSae.Models.SaeWeights(MLSae.Models.SaeArchitecture.Standard, MLSae.Models.SaeActivation.ReLU, 4, 3, new float[12], new float[3], new float[12], new float[4]), narrow);
        Assert.Equal(1, Browse("--sae", run, "--compare", narrow, "--activations", WriteCache(), "--out", Path.Combine(outDir, "e"), "--cpu"));
        Assert.Empty(Directory.GetFileSystemEntries(outDir));
        var existing = Directory.CreateDirectory(Path.Combine(outDir, "existing")).FullName;
        Assert.Equal(1, Browse("--sae", run, "--activations", WriteCache(), "--out", existing, "--cpu"));
        Assert.Empty(Directory.GetFileSystemEntries(existing));
    }
}
