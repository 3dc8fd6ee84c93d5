using System.CommandLine;
using MLSae.Cli.Commands;
using MLSae.Diagnostics;
using MLSae.Transformers.GptNeoX;
using MLSae.Transformers.Hub;

namespace MLSae.Tests.Transformers;

/// <summary>Hub downloads against <see cref="FakeHubServer"/> on 127.0.0.1; never the internet.</summary>
public class HubDownloaderTests
{
    const string Repo = "tiny-org/tiny-neox";

    static (FakeHubServer Server, TinyGptNeoX Model) Serve(int seed = 3)
    {
        var tiny = TinyGptNeoX.Create(seed: seed);
        return (new FakeHubServer(Repo, tiny.Write(RepoPaths.NewTempDir())), tiny);
    }

    static HubOptions Options(FakeHubServer server, string cache) => new() { Endpoint = server.Endpoint, CacheDirectory = cache, Token = null };

    [Fact]
    public async Task FetchFollowsTheCdnRedirectResumesAnInterruptedTransferAndLaysOutTheHubCache()
    {
        var (server, _) = Serve();
        using var _s = server;
        server.InterruptionsLeft = 1;
        var cache = RepoPaths.NewTempDir();
        var log = new List<string>();
        string snapshot;
        using (MLSaeLog.Use(l => { lock (log) log.Add(l); }))
        {
            using var downloader = new HubDownloader(Options(server, cache));
            snapshot = await HubCheckpointFetcher.FetchAsync(downloader, Repo);
        }

        var weights = server.Files["model.safetensors"];
        var sha = FakeHubServer.Sha256(weights);
        var repoDir = Path.Combine(cache, "models--tiny-org--tiny-neox");
        Assert.Equal(Path.Combine(repoDir, "snapshots", server.Commit), snapshot);
        Assert.Equal(server.Commit, File.ReadAllText(Path.Combine(repoDir, "refs", "main")));
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(repoDir, "blobs", sha)));
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors"))); // through the symlink
        var configSha1 = FakeHubServer.GitSha1(server.Files["config.json"]);
        Assert.True(File.Exists(Path.Combine(repoDir, "blobs", configSha1)));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoDir, "blobs"), "*.incomplete"));

        // The first CDN transfer was cut at half; the second asked for the rest with a Range header.
        Assert.Contains(server.Requests, r => r.StartsWith($"GET /cdn/{sha} bytes={weights.Length / 2}-", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("resuming"));

        using (var checkpoint = GptNeoXCheckpoint.Load(snapshot))
            Assert.Equal(2, checkpoint.Config.NumLayers);

        // A second fetch finds every blob in the cache and downloads nothing.
        int cdnGets = server.Requests.Count(r => r.StartsWith("GET /cdn/", StringComparison.Ordinal));
        using (var again = new HubDownloader(Options(server, cache)))
            Assert.Equal(snapshot, await HubCheckpointFetcher.FetchAsync(again, Repo));
        Assert.Equal(cdnGets, server.Requests.Count(r => r.StartsWith("GET /cdn/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task MissingRevisionIsNamed()
    {
        var (server, _) = Serve();
        using var _s = server;
        using var downloader = new HubDownloader(Options(server, RepoPaths.NewTempDir()));
        var e = await Assert.ThrowsAsync<HubRequestException>(() => HubCheckpointFetcher.FetchAsync(downloader, Repo, "no-such-branch"));
        Assert.Contains("no-such-branch", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Equal("RevisionNotFound", e.ErrorCode);
    }

    [Fact]
    public async Task RelativeRedirectOfARenamedRepoIsFollowed()
    {
        var (server, _) = Serve();
        using var _s = server;
        using var downloader = new HubDownloader(Options(server, RepoPaths.NewTempDir()));
        var path = await downloader.DownloadFileAsync("old-org/renamed", "config.json");
        Assert.Equal(server.Files["config.json"], File.ReadAllBytes(path));
        Assert.Contains(server.Requests, r => r.StartsWith("HEAD /old-org/renamed/resolve/main/config.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenIsSentAsBearer()
    {
        var (server, _) = Serve();
        using var _s = server;
        using var downloader = new HubDownloader(Options(server, RepoPaths.NewTempDir()) with { Token = "hf_test" });
        await downloader.DownloadFileAsync(Repo, "config.json");
        Assert.Contains(server.Requests, r => r.StartsWith("HEAD /tiny-org/tiny-neox/resolve/main/config.json", StringComparison.Ordinal) && r.EndsWith("auth=Bearer hf_test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ContentThatDoesNotMatchTheAnnouncedSha256IsRejected()
    {
        var (server, _) = Serve();
        using var _s = server;
        server.CorruptCdn = true;
        var cache = RepoPaths.NewTempDir();
        using var downloader = new HubDownloader(Options(server, cache));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => downloader.DownloadFileAsync(Repo, "model.safetensors"));
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains(FakeHubServer.Sha256(server.Files["model.safetensors"]), e.Message);
        var blobs = Path.Combine(cache, "models--tiny-org--tiny-neox", "blobs");
        Assert.Empty(Directory.GetFiles(blobs));
    }

    [Fact]
    public async Task FetchCommandDownloadsAndBuildsTheOnnxModel()
    {
        var (server, tiny) = Serve(seed: 8);
        using var _s = server;
        var work = RepoPaths.NewTempDir();
        var onnx = Path.Combine(work, "out", "tiny.onnx");
        var root = new RootCommand { FetchCommand.Create() };
        int exit = await root.Parse(["fetch", Repo, "--endpoint", server.Endpoint, "--cache", Path.Combine(work, "cache"), "--out", onnx]).InvokeAsync();
        Assert.Equal(0, exit);
        Assert.Equal(server.Files["tokenizer.json"], File.ReadAllBytes(Path.Combine(work, "out", "tokenizer.json")));
        using var session = NeoXTestRun.Session(File.ReadAllBytes(onnx));
        var seq = NeoXTestRun.RandomSequences(9, tiny.Vocab, 5);
        var expected = ReferenceGptNeoX.Forward(tiny, seq[0])["logits"];
        var outputs = NeoXTestRun.Run(session, seq);
        for (int t = 0; t < 5; t++) NeoXTestRun.AssertClose(expected[t], outputs["logits"].At(0, t), $"logits {t}");

        int bad = await root.Parse(["fetch", Repo, "--revision", "v9", "--endpoint", server.Endpoint, "--cache", Path.Combine(work, "cache"), "--out", onnx]).InvokeAsync();
        Assert.Equal(1, bad);
    }

    [Fact]
    public async Task ImportHfCommandWritesTheModelAndTheTokenizer()
    {
        var tiny = TinyGptNeoX.Create(seed: 12);
        var dir = tiny.Write(RepoPaths.NewTempDir());
        var onnx = Path.Combine(RepoPaths.NewTempDir(), "m.onnx");
        var root = new RootCommand { ImportHfCommand.Create() };
        int exit = await root.Parse(["import-hf", "--checkpoint", dir, "--out", onnx, "--splice", "blocks.1.hook_resid_pre"]).InvokeAsync();
        Assert.Equal(0, exit);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(onnx)!, "tokenizer.json")));
        using var session = NeoXTestRun.Session(File.ReadAllBytes(onnx));
        Assert.Contains("blocks.1.hook_resid_pre.splice", session.InputMetadata.Keys);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(onnx)!, "*.tmp"));

        int bad = await root.Parse(["import-hf", "--checkpoint", Path.Combine(dir, "nope"), "--out", onnx]).InvokeAsync();
        Assert.Equal(1, bad);
    }
}
