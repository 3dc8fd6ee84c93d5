using Microsoft.ML;
using MLSae.Activations;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Scoring;

namespace MLSae.Tests.Scoring;

/// <summary>The ONNX Runtime forward used by evaluation equals a double-precision forward written from the definition.</summary>
public class SaeOnnxForwardTests
{
    const double Tolerance = 1e-4;   // float32 GEMM over d = 12 terms of magnitude < 1

    [Theory]
    [InlineData(SaeActivation.ReLU)]
    [InlineData(SaeActivation.JumpReLU)]
    [InlineData(SaeActivation.TopK)]
    public void CodesAndReconstructionMatchDoubleReferenceAcrossPartialBatches(SaeActivation activation)
    {
        var w = TestSaes.Random(activation, seed: 31);
        int rows = 11, d = w.InputDim, m = w.FeatureCount;
        var x = TestSaes.Activations(rows, d, seed: 32);
        using var forward = new SaeOnnxForward(w, batchSize: 4, new OnnxExecutionOptions { PreferCuda = false });
        var codes = new float[rows * m];
        var rec = new float[rows * d];
        forward.Run(x, rows, codes, rec);
        for (int r = 0; r < rows; r++)
        {
            Assert.True(TestSaes.Margin(w, x.AsSpan(r * d, d)) > 1e-4);   // no code within float error of a threshold
            var f = TestSaes.Encode(w, x.AsSpan(r * d, d));
            var xh = TestSaes.Decode(w, f);
            for (int i = 0; i < m; i++) Assert.True(Math.Abs(f[i] - codes[r * m + i]) <= Tolerance, $"code [{r},{i}]");
            for (int j = 0; j < d; j++) Assert.True(Math.Abs(xh[j] - rec[r * d + j]) <= Tolerance, $"reconstruction [{r},{j}]");
        }
    }

    [Fact]
    public void CatalogEvaluationMatchesTheCpuForwardEvaluation()
    {
        var w = TestSaes.Random(SaeActivation.ReLU, seed: 33);
        var source = new InMemoryActivationSource(TestSaes.Activations(300, w.InputDim, seed: 34), w.InputDim);
        var ml = new MLContext(seed: 0);
        var viaOrt = ml.SaeEvaluation().Evaluate(w, source);
        var viaCpu = ml.SaeEvaluation().Evaluate(new SaeCpuForward(w), source);
        Assert.Equal(viaCpu.Mse, viaOrt.Mse, 1e-5);
        Assert.Equal(viaCpu.ExplainedVariance, viaOrt.ExplainedVariance, 1e-5);
        Assert.Equal(viaCpu.L0, viaOrt.L0, 1e-9);
    }
}
