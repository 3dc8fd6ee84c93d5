using MLSae.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MLSae.Tests.Foundation;

public class TorchSharpLoadTests
{
    [Fact]
    public void CreatesTensorAndRunsBackward()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        float[] values = [1f, -2f, 3.5f, 0.25f];
        var x = tensor(values, requires_grad: true);
        var y = (x * x * x).sum();   // dy/dx = 3x^2
        y.backward();
        var grad = x.grad!.data<float>().ToArray();
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(3.0 * values[i] * values[i], grad[i], 5);
    }

    [Fact]
    public void MatrixProductMatchesPlainLoops()
    {
        TorchSharpRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Random(7);
        float[] a = Enumerable.Range(0, 12).Select(_ => (float)gen.NextDouble()).ToArray();
        float[] b = Enumerable.Range(0, 20).Select(_ => (float)gen.NextDouble()).ToArray();
        var c = matmul(tensor(a).reshape(3, 4), tensor(b).reshape(4, 5)).data<float>().ToArray();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 5; j++)
            {
                double expected = 0;
                for (int k = 0; k < 4; k++) expected += (double)a[i * 4 + k] * b[k * 5 + j];
                Assert.Equal(expected, c[i * 5 + j], 5);
            }
    }
}
