using MLSae.Activations.Cache;

namespace MLSae.Tests.Cache;

public class ActivationCacheValidationTests
{
    const int D = 8;

    [Fact]
    public void MissingManifestSaysItIsNotACache()
    {
        var dir = RepoPaths.NewTempDir("mlsae-cache");
        var e = Assert.Throws<FileNotFoundException>(() => ActivationCache.Open(dir));
        Assert.Contains("manifest.json", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => ActivationCache.Open(Path.Combine(dir, "nope")));
    }

    [Fact]
    public void CorruptManifestNamesTheFile()
    {
        var dir = CacheTestData.Write(50, D);
        File.WriteAllText(Path.Combine(dir, "manifest.json"), "{ \"format\": \"mlsae-activation-cache\", \"shards\": [");
        var e = Assert.Throws<InvalidDataException>(() => ActivationCache.Open(dir));
        Assert.Contains("manifest.json", e.Message);
    }

    [Fact]
    public void InconsistentManifestIsRejected()
    {
        var dir = CacheTestData.Write(150, D);
        var path = Path.Combine(dir, "manifest.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"totalRows\": 150", "\"totalRows\": 151"));
        var e = Assert.Throws<InvalidDataException>(() => ActivationCache.Open(dir));
        Assert.Contains("151", e.Message);
    }

    [Fact]
    public void MissingShardFileIsNamed()
    {
        var dir = CacheTestData.Write(150, D);
        File.Delete(Path.Combine(dir, "shard-00001.documents.i64"));
        var e = Assert.Throws<FileNotFoundException>(() => ActivationCache.Open(dir));
        Assert.Contains("shard-00001.documents.i64", e.Message);
    }

    [Fact]
    public void TruncatedShardNamesTheFileAndTheExpectedSize()
    {
        var dir = CacheTestData.Write(150, D);
        var path = Path.Combine(dir, "shard-00000.activations.f32");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        var e = Assert.Throws<InvalidDataException>(() => ActivationCache.Open(dir));
        Assert.Contains("shard-00000.activations.f32", e.Message);
        Assert.Contains((100 * D * 4).ToString(), e.Message);
    }

    [Fact]
    public void VerifyFindsAFlippedByte()
    {
        var dir = CacheTestData.Write(150, D);
        var path = Path.Combine(dir, "shard-00001.activations.f32");
        var bytes = File.ReadAllBytes(path);
        bytes[17] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        using var cache = ActivationCache.Open(dir); // sizes are fine
        var e = Assert.Throws<InvalidDataException>(() => cache.Verify());
        Assert.Contains("shard-00001.activations.f32", e.Message);
    }

    [Fact]
    public void OutOfRangeReadsAreRejected()
    {
        using var cache = ActivationCache.Open(CacheTestData.Write(150, D));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.ReadRows(140, 11, new float[11 * D]));
        Assert.Throws<ArgumentException>(() => cache.ReadRows(0, 2, new float[D]));
    }
}
