using System.Buffers.Binary;
using System.Text;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Tests.Persistence;

public class SafeTensorsTests
{
    [Fact]
    public void ReadsAHandBuiltFile()
    {
        // Built byte by byte as the Python writer lays it out, independent of SafeTensorsWriter.
        var header = """{"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"BF16","shape":[1,2],"data_offsets":[8,12]},"__metadata__":{"format":"pt"}}""";
        var json = Encoding.UTF8.GetBytes(header);
        using var ms = new MemoryStream();
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        ms.Write(len); ms.Write(json);
        ms.Write(BitConverter.GetBytes(1.5f)); ms.Write(BitConverter.GetBytes(-2.25f));
        ms.Write(BitConverter.GetBytes((ushort)0x3F80)); // bf16 1.0
        ms.Write(BitConverter.GetBytes((ushort)0xC040)); // bf16 -3.0
        var path = Path.Combine(RepoPaths.NewTempDir(), "hand.safetensors");
        File.WriteAllBytes(path, ms.ToArray());

        using var f = SafeTensorsFile.Open(path);
        Assert.Equal([1.5f, -2.25f], f.ReadSingles("b", 2));
        Assert.Equal([1f, -3f], f.ReadSingles("a"));
        Assert.Equal("pt", f.Metadata["format"]);
    }

    [Theory]
    [InlineData(SafeTensorDType.F32, 0.0)]
    [InlineData(SafeTensorDType.F16, 1e-3)]
    [InlineData(SafeTensorDType.BF16, 8e-3)]
    public void RoundTripsWithinTheDTypePrecision(SafeTensorDType dtype, double relTol)
    {
        var rng = new Random(3);
        var values = Enumerable.Range(0, 60).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var path = Path.Combine(RepoPaths.NewTempDir(), "rt.safetensors");
        new SafeTensorsWriter().Add("w", values, [6, 10], dtype).Add("ids", new long[] { 5, -7 }, [2]).Save(path);

        using var f = SafeTensorsFile.Open(path);
        Assert.Equal(dtype, f.Get("w").DType);
        var back = f.ReadSingles("w", 6, 10);
        for (int i = 0; i < values.Length; i++)
            Assert.True(Math.Abs(back[i] - values[i]) <= relTol * Math.Abs(values[i]) + 1e-7, $"{i}: {back[i]} vs {values[i]}");
        Assert.Equal([5L, -7L], f.ReadInt64s("ids"));
    }

    [Fact]
    public void TruncatedFileNamesTheTensor()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "t.safetensors");
        new SafeTensorsWriter().Add("W_enc", new float[100], [10, 10]).Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^40]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path));
        Assert.Contains("W_enc", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void WrongShapeIsReportedWithBothShapes()
    {
        var path = Path.Combine(RepoPaths.NewTempDir(), "s.safetensors");
        new SafeTensorsWriter().Add("b_dec", new float[4], [4]).Save(path);
        using var f = SafeTensorsFile.Open(path);
        var e = Assert.Throws<InvalidDataException>(() => f.ReadSingles("b_dec", 5));
        Assert.Contains("[4]", e.Message);
        Assert.Contains("[5]", e.Message);
    }
}
