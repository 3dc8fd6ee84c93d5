using MLSae.Activations.Cache;

namespace MLSae.Tests.Cache;

public class ActivationCacheRefusalTests
{
    const int D = 8;

    [Fact]
    public void AFolderHoldingACacheIsRefusedWithoutResumeOrOverwrite()
    {
        var dir = CacheTestData.Write(120, D);
        var e = Assert.Throws<IOException>(() => ActivationCacheWriter.Create(dir, CacheTestData.Options(D)));
        Assert.Contains("ActivationCacheWriterOptions.Resume", e.Message);
        Assert.Contains("ActivationCacheWriterOptions.Overwrite", e.Message);
        Assert.Contains("test-model", e.Message);
        using var cache = ActivationCache.Open(dir); // untouched
        Assert.Equal(120, cache.RowCount);
    }

    [Fact]
    public void ResumeIntoADifferentCacheNamesTheDifference()
    {
        var dir = CacheTestData.Write(120, D);
        var e = Assert.Throws<IOException>(() => ActivationCacheWriter.Create(dir, CacheTestData.Options(D) with { Hook = "blocks.3.hook_resid_post", Resume = true }));
        Assert.Contains("hook", e.Message);
        Assert.Contains("blocks.3.hook_resid_post", e.Message);
        Assert.Contains("ActivationCacheWriterOptions.Overwrite", e.Message);
        e = Assert.Throws<IOException>(() => ActivationCacheWriter.Create(dir, CacheTestData.Options(D, ActivationDType.BFloat16) with { Resume = true }));
        Assert.Contains("dtype", e.Message);
    }

    [Fact]
    public void ResumeRefusesChangedSourceFiles()
    {
        var src = Path.Combine(RepoPaths.NewTempDir(), "corpus.txt");
        File.WriteAllText(src, "one");
        var options = CacheTestData.Options(D) with { SourceFiles = [src] };
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        using (var w = ActivationCacheWriter.Create(dir, options)) w.Append(CacheTestData.Chunk(0, 150, D));
        File.WriteAllText(src, "two");
        var e = Assert.Throws<IOException>(() => ActivationCacheWriter.Create(dir, options with { Resume = true }));
        Assert.Contains("corpus.txt", e.Message);
    }

    [Fact]
    public void OverwriteReplacesTheCache()
    {
        var dir = CacheTestData.Write(350, D);
        using (var w = ActivationCacheWriter.Create(dir, CacheTestData.Options(D) with { Overwrite = true, Model = "other" }))
        {
            w.Append(CacheTestData.Chunk(0, 30, D));
            w.Complete();
        }
        using var cache = ActivationCache.Open(dir);
        Assert.Equal("other", cache.Manifest.Model);
        Assert.Equal(30, cache.RowCount);
        Assert.Equal(4, Directory.GetFiles(dir).Length - 1); // one shard's 4 files + manifest
    }

    [Fact]
    public void AForeignNonEmptyFolderIsRefusedEvenWithOverwrite()
    {
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        File.WriteAllText(Path.Combine(dir, "thesis.tex"), "precious");
        foreach (var o in new[] { CacheTestData.Options(D), CacheTestData.Options(D) with { Overwrite = true } })
        {
            var e = Assert.Throws<IOException>(() => ActivationCacheWriter.Create(dir, o));
            Assert.Contains("thesis.tex", e.Message);
        }
        Assert.True(File.Exists(Path.Combine(dir, "thesis.tex")));
    }

    [Fact]
    public void WrongChunkShapesAreRejected()
    {
        using var w = ActivationCacheWriter.Create(RepoPaths.NewTempDir("mlsae-cache"), CacheTestData.Options(D));
        Assert.Throws<ArgumentException>(() => w.Append(CacheTestData.Chunk(0, 5, D + 1)));
        Assert.Throws<ArgumentException>(() => w.Append(new float[5 * D], new int[5], new long[4], new int[5]));
    }
}
