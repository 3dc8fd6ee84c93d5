using MLSae.Activations.Cache;

namespace MLSae.Tests.Cache;

public class ActivationCacheDiskFullTests
{
    const int D = 8;

    /// <summary>A file stream that fails like a full disk (ENOSPC, errno 28) once a byte budget is spent.</summary>
    sealed class FullDiskStream(string path, long budget) : FileStream(path, FileMode.Create, FileAccess.Write)
    {
        long _left = budget;
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if ((_left -= buffer.Length) < 0) throw new IOException("No space left on device", 28);
            base.Write(buffer);
        }
    }

    [Fact]
    public void DiskFullMidShardKeepsWholeShardsOnlyAndResumes()
    {
        var oneGo = CacheTestData.Write(345, D);
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        long opened = 0;
        using (var w = ActivationCacheWriter.Create(dir, CacheTestData.Options(D)))
        {
            // Shards 0 and 1 write normally; the activations file of shard 2 hits a full disk.
            w.OpenTempFile = path => Interlocked.Increment(ref opened) == 9 ? new FullDiskStream(path, 1000) : new FileStream(path, FileMode.Create, FileAccess.Write);
            var e = Assert.Throws<IOException>(() => { foreach (var c in CacheTestData.Stream(345, D)) w.Append(c); });
            Assert.Contains("Disk full", e.Message);
            Assert.Contains("ActivationCacheWriterOptions.Resume", e.Message);
            Assert.Contains("200 rows", e.Message);
            Assert.DoesNotContain(Directory.EnumerateFiles(dir), f => f.EndsWith(".tmp", StringComparison.Ordinal)); // nothing half-written kept
            Assert.Throws<InvalidOperationException>(() => w.Append(CacheTestData.Chunk(0, 1, D)));
        }
        using (var partial = ActivationCache.Open(dir, allowIncomplete: true))
            Assert.Equal(200, partial.RowCount);

        using (var resumed = ActivationCacheWriter.Create(dir, CacheTestData.Options(D) with { Resume = true }))
        {
            foreach (var c in CacheTestData.Stream(345, D)) resumed.Append(c);
            resumed.SpecialTokensExcluded = 42;
            resumed.Complete();
        }
        using var a = ActivationCache.Open(oneGo);
        using var b = ActivationCache.Open(dir);
        Assert.Equal(a.Manifest.Shards, b.Manifest.Shards); // same files, sizes and SHA-256
        b.Verify();
    }
}
