using MLSae.Activations.Cache;

namespace MLSae.Tests.Cache;

public class ActivationCacheResumeTests
{
    const int D = 16;
    const long Rows = 345;

    static void AssertSameCache(string expectedDir, string actualDir)
    {
        using var a = ActivationCache.Open(expectedDir);
        using var b = ActivationCache.Open(actualDir);
        Assert.Equal(a.Manifest.TotalRows, b.Manifest.TotalRows);
        Assert.Equal(a.Manifest.Shards.Count, b.Manifest.Shards.Count);
        for (int i = 0; i < a.Manifest.Shards.Count; i++)
        {
            Assert.Equal(a.Manifest.Shards[i], b.Manifest.Shards[i]); // names, sizes, SHA-256
            foreach (var f in a.Manifest.Shards[i].Files)
                Assert.Equal(File.ReadAllBytes(Path.Combine(expectedDir, f.File)), File.ReadAllBytes(Path.Combine(actualDir, f.File)));
        }
        // Only the manifest and listed shard files remain: no temp files, no stray shards.
        var listed = b.Manifest.Shards.SelectMany(s => s.Files).Select(f => f.File).Append("manifest.json").Order();
        Assert.Equal(listed, Directory.EnumerateFiles(actualDir).Select(Path.GetFileName).Order());
        b.Verify();
    }

    [Fact]
    public void AbandonedWriterThenResumeFromTheStartEqualsOneGo()
    {
        var oneGo = CacheTestData.Write(Rows, D, CacheTestData.Options(D));
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        // First attempt: 250 rows = 2 committed shards + 50 rows of a third, then the process "dies"
        // (no Complete, no Dispose: its temp files stay behind).
        var w = ActivationCacheWriter.Create(dir, CacheTestData.Options(D));
        foreach (var c in CacheTestData.Stream(Rows, D).TakeWhile(_ => w.RowsWritten < 250)) w.Append(c);
        Assert.Equal(200, w.RowsCommitted);
        Assert.Contains(Directory.EnumerateFiles(dir), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        // A crash between renaming a shard's files and listing it leaves whole-looking but unlisted files.
        w.ReleaseLockAsIfKilled();
        File.WriteAllBytes(Path.Combine(dir, "shard-00002.activations.f32"), new byte[100 * D * 4]);
        Assert.Throws<InvalidOperationException>(() => ActivationCache.Open(dir)); // incomplete: refused
        using (var partial = ActivationCache.Open(dir, allowIncomplete: true))
            Assert.Equal(200, partial.RowCount);

        using (var resumed = ActivationCacheWriter.Create(dir, CacheTestData.Options(D) with { Resume = true }))
        {
            Assert.Equal(200, resumed.ResumedRows);
            foreach (var c in CacheTestData.Stream(Rows, D)) resumed.Append(c); // the producer starts again
            resumed.SpecialTokensExcluded = 42;
            resumed.Complete();
        }
        AssertSameCache(oneGo, dir);
    }

    [Fact]
    public void ResumeWithProducerFastForwardEqualsOneGo()
    {
        var oneGo = CacheTestData.Write(Rows, D, CacheTestData.Options(D, ActivationDType.BFloat16));
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        using (var w = ActivationCacheWriter.Create(dir, CacheTestData.Options(D, ActivationDType.BFloat16)))
        {
            w.Append(CacheTestData.Chunk(0, 130, D));
            w.Append(CacheTestData.Chunk(130, 100, D));
        } // Dispose abandons the 30 pending rows of shard 2
        using (var resumed = ActivationCacheWriter.Create(dir, CacheTestData.Options(D, ActivationDType.BFloat16) with { Resume = true }))
        {
            Assert.Equal(200, resumed.RowsToSkip);
            resumed.SkipAhead(200);
            resumed.Append(CacheTestData.Chunk(200, (int)(Rows - 200), D));
            resumed.SpecialTokensExcluded = 42;
            resumed.Complete();
        }
        AssertSameCache(oneGo, dir);
    }

    [Fact]
    public void KilledBeforeTheFirstShardResumesFromRowZero()
    {
        var oneGo = CacheTestData.Write(Rows, D, CacheTestData.Options(D));
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        var w = ActivationCacheWriter.Create(dir, CacheTestData.Options(D));
        w.Append(CacheTestData.Chunk(0, 60, D)); // dies mid-shard 0
        w.ReleaseLockAsIfKilled();
        using (var resumed = ActivationCacheWriter.Create(dir, CacheTestData.Options(D) with { Resume = true }))
        {
            Assert.Equal(0, resumed.ResumedRows);
            foreach (var c in CacheTestData.Stream(Rows, D)) resumed.Append(c);
            resumed.SpecialTokensExcluded = 42;
            resumed.Complete();
        }
        AssertSameCache(oneGo, dir);
    }

    [Fact]
    public void ResumingACompleteCacheWritesNothingAndRejectsExtraRows()
    {
        var dir = CacheTestData.Write(Rows, D);
        var before = File.ReadAllText(Path.Combine(dir, "manifest.json"));
        using (var w = ActivationCacheWriter.Create(dir, CacheTestData.Options(D) with { Resume = true }))
        {
            Assert.True(w.WasAlreadyComplete);
            foreach (var c in CacheTestData.Stream(Rows, D)) w.Append(c);
            var e = Assert.Throws<InvalidOperationException>(() => w.Append(CacheTestData.Chunk(Rows, 1, D)));
            Assert.Contains("already complete", e.Message);
        }
        using (var w = ActivationCacheWriter.Create(dir, CacheTestData.Options(D) with { Resume = true }))
        {
            foreach (var c in CacheTestData.Stream(Rows, D)) w.Append(c);
            Assert.True(w.Complete().Complete);
        }
        Assert.Equal(before, File.ReadAllText(Path.Combine(dir, "manifest.json")));
    }

    [Fact]
    public void ResumedInputShorterThanTheCacheIsAnError()
    {
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        using (var w = ActivationCacheWriter.Create(dir, CacheTestData.Options(D)))
            w.Append(CacheTestData.Chunk(0, 250, D));
        using var resumed = ActivationCacheWriter.Create(dir, CacheTestData.Options(D) with { Resume = true });
        resumed.Append(CacheTestData.Chunk(0, 150, D));
        var e = Assert.Throws<InvalidOperationException>(() => resumed.Complete());
        Assert.Contains("200", e.Message);
        Assert.Contains("ActivationCacheWriterOptions.Overwrite", e.Message);
    }
}
