using MLSae.Activations.Cache;
using MLSae.Runs.Storage;
using MLSae.Tests.Experiments;

namespace MLSae.Tests.Storage;

/// <summary>
/// Caches and run folders pushed to and pulled from a real S3-compatible server (s3rver): row for row, the listing
/// written last, and a push killed by the server dying mid-upload leaves an incomplete remote folder that pushing again completes.
/// </summary>
[Trait("Category", "Integration")]
public class ObjectStoreFolderTests
{
    static void SameCache(string expected, string actual)
    {
        using var a = ActivationCache.Open(expected);
        using var b = ActivationCache.Open(actual);
        Assert.Equal(a.RowCount, b.RowCount);
        var x = new float[a.RowCount * a.Dimension];
        var y = new float[b.RowCount * b.Dimension];
        a.ReadRows(0, (int)a.RowCount, x);
        b.ReadRows(0, (int)b.RowCount, y);
        Assert.Equal(x, y);
        b.Verify();
    }

    [NodeFact]
    public void ACachePushedAndPulledIsTheSameCache()
    {
        using var server = new S3rverServer();
        var cache = ExperimentTestData.WriteCache(1300, d: 8);   // 3 cache shard files of 500 rows
        var store = new ObjectStoreFolder(server.Client());
        var remote = ObjectStoreLocation.Parse($"s3://{S3rverServer.Bucket}/caches/tiny");
        var pushed = store.Push(cache, remote);
        Assert.Equal(pushed.Files, pushed.Transferred);
        Assert.True(store.IsComplete(remote));
        var local = Path.Combine(RepoPaths.NewTempDir(), "pulled");
        store.Pull(remote, local);
        SameCache(cache, local);
        Assert.Equal(0, store.Push(cache, remote).Transferred);   // nothing changed: nothing uploaded again
    }

    [NodeFact]
    public void AServerKilledMidUploadLeavesAnIncompleteFolderThatPushingAgainCompletes()
    {
        using var server = new S3rverServer();
        var cache = ExperimentTestData.WriteCache(1300, d: 8);
        var remote = ObjectStoreLocation.Parse($"s3://{S3rverServer.Bucket}/caches/killed");
        var store = new ObjectStoreFolder(server.Client());
        int landed = 0;
        // The server dies after the second file has landed: the next PUT fails.
        Assert.ThrowsAny<Exception>(() => store.Push(cache, remote, _ => { if (++landed == 2) server.Kill(); }));
        server.Start();
        var again = new ObjectStoreFolder(server.Client());
        Assert.False(again.IsComplete(remote));
        var e = Assert.Throws<InvalidOperationException>(() => again.Pull(remote, Path.Combine(RepoPaths.NewTempDir(), "early")));
        Assert.Contains("push was interrupted or never ran", e.Message, StringComparison.Ordinal);

        var resumed = again.Push(cache, remote);
        Assert.Equal(resumed.Files - 2, resumed.Transferred);   // the two files that landed are not sent again
        var local = Path.Combine(RepoPaths.NewTempDir(), "pulled");
        again.Pull(remote, local);
        SameCache(cache, local);
    }

    [NodeFact]
    public void ARunFolderRoundTripsWithItsSubfolders()
    {
        using var server = new S3rverServer();
        var run = RepoPaths.NewTempDir("mlsae-run");
        File.WriteAllText(Path.Combine(run, "run.json"), "{}");
        Directory.CreateDirectory(Path.Combine(run, "report"));
        File.WriteAllBytes(Path.Combine(run, "report", "plot.png"), [1, 2, 3]);
        File.WriteAllText(Path.Combine(run, ".checkpoint.safetensors.1.x.tmp"), "half-written");   // never copied
        var store = new ObjectStoreFolder(server.Client());
        var remote = ObjectStoreLocation.Parse($"s3://{S3rverServer.Bucket}/runs/a/seed-1/");
        Assert.Equal(2, store.Push(run, remote).Files);
        var local = RepoPaths.NewTempDir("mlsae-run-pulled");
        store.Pull(remote, local);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(local, "report", "plot.png")));
        Assert.False(File.Exists(Path.Combine(local, ".checkpoint.safetensors.1.x.tmp")));
    }

    [Theory]
    [InlineData("s3://b/p/q/", "b", "p/q")]
    [InlineData("s3://b", "b", "")]
    public void LocationsParse(string uri, string bucket, string prefix) =>
        Assert.Equal(new ObjectStoreLocation(bucket, prefix), ObjectStoreLocation.Parse(uri));
}
