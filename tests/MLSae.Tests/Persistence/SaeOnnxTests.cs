using Microsoft.ML.OnnxRuntime;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Persistence.Onnx;
using MLSae.Tests.Scoring;

namespace MLSae.Tests.Persistence;

public class SaeOnnxTests
{
    const double Tolerance = 1e-5;
    static readonly OnnxExecutionOptions Cpu = new() { PreferCuda = false };

    public static TheoryData<SaeActivation, bool> Cases() => new()
    {
        { SaeActivation.ReLU, true }, { SaeActivation.ReLU, false },
        { SaeActivation.JumpReLU, true }, { SaeActivation.JumpReLU, false },
        { SaeActivation.TopK, true }, { SaeActivation.TopK, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EncodeDecodeMatchesDoublePrecisionForward(SaeActivation activation, bool batched)
    {
        var w = TestSaes.Random(activation);
        int rows = 7, d = w.InputDim, m = w.FeatureCount;
        var x = TestSaes.Activations(rows, d);
        for (int r = 0; r < rows; r++) Assert.True(TestSaes.Margin(w, x.AsSpan(r * d, d)) > 1e-4, "test data sits on a decision boundary");

        using var session = OnnxSessionFactory.Create(SaeOnnx.Export(w, new SaeOnnxOptions { Batched = batched }), Cpu);
        for (int start = 0; start < rows; start += batched ? rows : 1)
        {
            int n = batched ? rows : 1;
            long[] shape = batched ? [n, d] : [d];
            using var input = OrtValue.CreateTensorValueFromMemory(x[(start * d)..((start + n) * d)], shape);
            using var outputs = session.Run(new RunOptions(), ["Activation"], [input], ["Features", "Reconstruction"]);
            var f = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            var xhat = outputs[1].GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(n * m, f.Length);
            for (int r = 0; r < n; r++)
            {
                var refF = TestSaes.Encode(w, x.AsSpan((start + r) * d, d));
                var refX = TestSaes.Decode(w, refF);
                for (int i = 0; i < m; i++) Assert.True(Math.Abs(refF[i] - f[r * m + i]) <= Tolerance, $"f[{r},{i}] {f[r * m + i]} vs {refF[i]}");
                for (int j = 0; j < d; j++) Assert.True(Math.Abs(refX[j] - xhat[r * d + j]) <= Tolerance, $"xhat[{r},{j}] {xhat[r * d + j]} vs {refX[j]}");
                if (activation == SaeActivation.TopK) Assert.True(f.Skip(r * m).Take(m).Count(v => v != 0) <= w.K);
            }
        }
    }

    [Theory]
    [InlineData(SaeActivation.ReLU)]
    [InlineData(SaeActivation.TopK)]
    public void EncodeOnlyAndDecodeOnlyGraphsMatch(SaeActivation activation)
    {
        var w = TestSaes.Random(activation, seed: 5);
        int d = w.InputDim, m = w.FeatureCount;
        var x = TestSaes.Activations(3, d, seed: 9);
        using var enc = OnnxSessionFactory.Create(SaeOnnx.Export(w, new SaeOnnxOptions { Kind = SaeGraphKind.Encode }), Cpu);
        using var dec = OnnxSessionFactory.Create(SaeOnnx.Export(w, new SaeOnnxOptions { Kind = SaeGraphKind.Decode }), Cpu);
        Assert.Equal(["Activation"], enc.InputMetadata.Keys);
        Assert.Equal(["Features"], enc.OutputMetadata.Keys);
        Assert.Equal(["Features"], dec.InputMetadata.Keys);
        Assert.Equal(["Reconstruction"], dec.OutputMetadata.Keys);
        Assert.Equal(-1, enc.InputMetadata["Activation"].Dimensions[0]); // symbolic batch

        using var input = OrtValue.CreateTensorValueFromMemory(x, [3, d]);
        using var fo = enc.Run(new RunOptions(), ["Activation"], [input], ["Features"]);
        var f = fo[0].GetTensorDataAsSpan<float>().ToArray();
        using var fin = OrtValue.CreateTensorValueFromMemory(f, [3, m]);
        using var xo = dec.Run(new RunOptions(), ["Features"], [fin], ["Reconstruction"]);
        var xhat = xo[0].GetTensorDataAsSpan<float>().ToArray();
        for (int r = 0; r < 3; r++)
        {
            var refF = TestSaes.Encode(w, x.AsSpan(r * d, d));
            var refX = TestSaes.Decode(w, refF);
            for (int i = 0; i < m; i++) Assert.True(Math.Abs(refF[i] - f[r * m + i]) <= Tolerance);
            for (int j = 0; j < d; j++) Assert.True(Math.Abs(refX[j] - xhat[r * d + j]) <= Tolerance);
        }
    }

    [Fact]
    public void ReadRecoversWeightsAndInfoExactly()
    {
        var info = new SaeInfo
        {
            ModelName = "minilm-l6",
            HookName = "blocks.3.hook_resid_post",
            TrainingTokens = 123456,
            FeatureFrequencies = Enumerable.Range(0, 40).Select(i => 1f / (i + 3)).ToArray(),
            OriginalIndices = Enumerable.Range(0, 40).Reverse().ToArray(),
            Permutations = [new PermutationRecord(500, Enumerable.Range(0, 40).Reverse().ToArray(), "frequency")],
        };
        var w = TestSaes.Random(SaeActivation.JumpReLU, info: info);
        var model = SaeOnnx.Read(SaeOnnx.Export(w));

        Assert.Equal(SaeGraphKind.EncodeDecode, model.Kind);
        Assert.True(model.Batched);
        Assert.Equal((SaeArchitecture.JumpReLU, SaeActivation.JumpReLU, 12, 40), (model.Architecture, model.Activation, model.InputDim, model.FeatureCount));
        var r = model.Weights!;
        Assert.Equal(w.EncoderWeights, r.EncoderWeights);
        Assert.Equal(w.EncoderBias, r.EncoderBias);
        Assert.Equal(w.DecoderWeights, r.DecoderWeights);
        Assert.Equal(w.DecoderBias, r.DecoderBias);
        Assert.Equal(w.Thresholds, r.Thresholds);
        Assert.Equal("minilm-l6", r.Info.ModelName);
        Assert.Equal("blocks.3.hook_resid_post", r.Info.HookName);
        Assert.Equal(123456, r.Info.TrainingTokens);
        Assert.Equal(info.FeatureFrequencies, r.Info.FeatureFrequencies);
        Assert.Equal(info.OriginalIndices, r.Info.OriginalIndices);
        var p = Assert.Single(r.Info.Permutations);
        Assert.Equal((500L, "frequency"), (p.Step, p.Reason));
        Assert.Equal(info.Permutations[0].Order, p.Order);
    }

    [Fact]
    public void TopKKeepsK()
    {
        var w = TestSaes.Random(SaeActivation.TopK, k: 7);
        var model = SaeOnnx.Read(SaeOnnx.Export(w));
        Assert.Equal(7, model.K);
        Assert.Equal(7, model.Weights!.K);
    }

    [Fact]
    public void ReadRejectsForeignOnnxAndGarbage()
    {
        var g = new OnnxGraphBuilder("other");
        g.AddInput("x", global::Onnx.TensorProto.Types.DataType.Float, 2L);
        g.Node("Relu", ["x"], "y");
        g.AddOutput("y", global::Onnx.TensorProto.Types.DataType.Float, 2L);
        var e = Assert.Throws<InvalidDataException>(() => SaeOnnx.Read(g.ToBytes(), "other.onnx"));
        Assert.Contains("other.onnx", e.Message);
        Assert.Contains("not an MLSae SAE", e.Message);
        Assert.False(SaeOnnx.IsSaeModel([1, 2, 3, 4, 5]));
    }
}
