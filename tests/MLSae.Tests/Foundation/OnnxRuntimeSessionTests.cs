using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Onnx;

namespace MLSae.Tests.Foundation;

public class OnnxRuntimeSessionTests
{
    [Fact]
    public void CudaRequestedFallsBackToCpuWithOneLogLine()
    {
        var lines = new List<string>();
        using (MLSaeLog.Use(lines.Add))
        {
            // A fresh probe: the process's may have probed (and logged) in another test already.
            var probe = new CudaProviderProbe();
            var options = new OnnxExecutionOptions { PreferCuda = true };
            var (first, provider) = OnnxSessionFactory.Open(MiniLmResources.ModelBytes, options, probe);
            using var firstSession = first;
            var (second, secondProvider) = OnnxSessionFactory.Open(MiniLmResources.ModelBytes, options, probe);
            using var secondSession = second;
            Assert.Equal(provider, secondProvider);

            Assert.Contains("input_ids", first.InputMetadata.Keys);
            Assert.Contains("last_hidden_state", first.OutputMetadata.Keys);
            var providerLines = lines.Where(l => l.Contains("ONNX Runtime")).ToList();
            Assert.Single(providerLines);   // said once, not per session
            if (provider == "CPU")
                Assert.Contains("running on CPU", providerLines[0]);
            else
                Assert.Contains("using CUDA", providerLines[0]);
        }
    }

    [Fact]
    public void MissingModelFileNamesThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "mlsae-no-such-model.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => OnnxSessionFactory.Create(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void CorruptModelGivesInvalidData()
    {
        var e = Assert.Throws<InvalidDataException>(() => OnnxSessionFactory.Create(new byte[] { 1, 2, 3, 4 }, new OnnxExecutionOptions { PreferCuda = false }));
        Assert.Contains("could not load", e.Message);
    }
}
