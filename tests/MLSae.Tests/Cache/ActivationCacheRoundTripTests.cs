using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using MLSae.Activations.Cache;

namespace MLSae.Tests.Cache;

public class ActivationCacheRoundTripTests
{
    const int D = 24;

    [Fact]
    public void Float32RowsReadBackBitExactAcrossShardBoundaries()
    {
        const long rows = 357; // 3 full shards of 100 and a short one of 57
        var dir = CacheTestData.Write(rows, D);
        using var cache = ActivationCache.Open(dir);
        Assert.Equal(rows, cache.RowCount);
        Assert.Equal(D, cache.Dimension);
        Assert.Equal(4, cache.Manifest.Shards.Count);
        Assert.Equal(57, cache.Manifest.Shards[3].Rows);

        // Every row, and reads that straddle shard boundaries (95..205).
        foreach (var (first, count) in new[] { (0L, (int)rows), (95L, 110), (299L, 2), (356L, 1) })
        {
            var got = new float[count * D];
            cache.ReadRows(first, count, got);
            for (int r = 0; r < count; r++)
                for (int j = 0; j < D; j++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(CacheTestData.Value(first + r, j)), BitConverter.SingleToInt32Bits(got[r * D + j]));
            var tok = new int[count]; var doc = new long[count]; var pos = new int[count];
            cache.ReadTokenIds(first, count, tok);
            cache.ReadDocumentIds(first, count, doc);
            cache.ReadPositions(first, count, pos);
            for (int r = 0; r < count; r++)
            {
                Assert.Equal(CacheTestData.TokenId(first + r), tok[r]);
                Assert.Equal(CacheTestData.DocumentId(first + r), doc[r]);
                Assert.Equal(CacheTestData.Position(first + r), pos[r]);
            }
        }
    }

    [Fact]
    public void BFloat16RowsEqualAnIndependentNearestEvenRounding()
    {
        const long rows = 230;
        var dir = CacheTestData.Write(rows, D, CacheTestData.Options(D, ActivationDType.BFloat16));
        using var cache = ActivationCache.Open(dir);
        Assert.Equal(ActivationDType.BFloat16, cache.DType);
        var got = new float[rows * D];
        cache.ReadRows(0, (int)rows, got);
        for (long r = 0; r < rows; r++)
            for (int j = 0; j < D; j++)
            {
                float x = CacheTestData.Value(r, j);
                float expected = NearestBFloat16(x);
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(got[r * D + j]),
                    $"row {r} col {j}: x={x:R} expected {expected:R} got {got[r * D + j]:R}");
                // and within bf16's half-ulp relative error (2^-8) of the input
                if (float.IsNormal(x)) Assert.True(Math.Abs(got[r * D + j] - (double)x) <= Math.Abs(x) * Math.Pow(2, -8));
            }
    }

    /// <summary>
    /// Independent bf16 reference: of the two bf16 neighbours of x (the float with the low 16 bits
    /// cleared, and the next one away from zero) pick the closer in double arithmetic; on a tie the
    /// one whose last kept bit is 0.
    /// </summary>
    static float NearestBFloat16(float x)
    {
        int bits = BitConverter.SingleToInt32Bits(x);
        int lowCleared = (int)(bits & 0xFFFF0000);
        float down = BitConverter.Int32BitsToSingle(lowCleared);
        float up = BitConverter.Int32BitsToSingle(lowCleared + 0x10000);
        double dDown = Math.Abs((double)x - down), dUp = Math.Abs((double)up - x);
        if (dDown < dUp) return down;
        if (dUp < dDown) return up;
        return ((lowCleared >> 16) & 1) == 0 ? down : up;
    }

    [Fact]
    public void FilesAreRawLittleEndianAsDocumented()
    {
        // What a numpy.memmap user relies on: shard files are headerless little-endian arrays and
        // the manifest lists their byte counts and SHA-256.
        var dir = CacheTestData.Write(150, D, CacheTestData.Options(D, ActivationDType.BFloat16));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")));
        var root = json.RootElement;
        Assert.Equal("mlsae-activation-cache", root.GetProperty("format").GetString());
        Assert.Equal("bf16", root.GetProperty("dtype").GetString());
        Assert.Equal(D, root.GetProperty("dimension").GetInt32());
        Assert.Equal(150, root.GetProperty("totalRows").GetInt64());
        Assert.Equal(42, root.GetProperty("specialTokensExcluded").GetInt64());
        Assert.True(root.GetProperty("complete").GetBoolean());
        var shard1 = root.GetProperty("shards")[1];
        Assert.Equal(50, shard1.GetProperty("rows").GetInt64());

        var act = File.ReadAllBytes(Path.Combine(dir, shard1.GetProperty("activations").GetProperty("file").GetString()!));
        Assert.Equal(50 * D * 2, act.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(act)), shard1.GetProperty("activations").GetProperty("sha256").GetString());
        // shard 1 row 3 = global row 103; column 0 holds the row index (103 needs 7 significant bits: exact in bf16).
        ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(act.AsSpan((3 * D + 0) * 2));
        Assert.Equal(103f, BitConverter.Int32BitsToSingle(bits << 16));

        var doc = File.ReadAllBytes(Path.Combine(dir, shard1.GetProperty("documentIds").GetProperty("file").GetString()!));
        Assert.Equal(CacheTestData.DocumentId(107), BinaryPrimitives.ReadInt64LittleEndian(doc.AsSpan(7 * 8)));
        var tok = File.ReadAllBytes(Path.Combine(dir, "shard-00001.tokens.i32"));
        Assert.Equal(CacheTestData.TokenId(149), BinaryPrimitives.ReadInt32LittleEndian(tok.AsSpan(49 * 4)));
        var pos = File.ReadAllBytes(Path.Combine(dir, "shard-00000.positions.i32"));
        Assert.Equal(CacheTestData.Position(99), BinaryPrimitives.ReadInt32LittleEndian(pos.AsSpan(99 * 4)));
    }

    [Fact]
    public void SourceFilesAreHashedIntoTheManifest()
    {
        var src = Path.Combine(RepoPaths.NewTempDir(), "corpus.txt");
        File.WriteAllText(src, "Call me Ishmael.");
        var dir = CacheTestData.Write(10, D, CacheTestData.Options(D) with { SourceFiles = [src], Metadata = new Dictionary<string, string> { ["textField"] = "text" } });
        using var cache = ActivationCache.Open(dir);
        var s = Assert.Single(cache.Manifest.Sources);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(src))), s.Sha256);
        Assert.Equal(16, s.Bytes);
        Assert.Equal("text", cache.Manifest.Metadata["textField"]);
    }
}
