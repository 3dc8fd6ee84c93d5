using MLSae.Models;
using MLSae.Onnx;
using Onnx;

namespace MLSae.Persistence.Onnx;

/// <summary>
/// Builds the SAE graph: f = act((x - b_dec) W_enc + b_enc), x_hat = f W_dec + b_dec. Weights
/// are stored in SAELens layout (W_enc [d, m], W_dec [m, d]) so MatMul works for rank-1 and
/// batched inputs alike and every axis-dependent op uses axis -1.
/// </summary>
static class SaeOnnxGraph
{
    internal const string WEnc = "W_enc", BEnc = "b_enc", WDec = "W_dec", BDec = "b_dec", Threshold = "threshold", KName = "k";
    const TensorProto.Types.DataType F32 = TensorProto.Types.DataType.Float;

    public static OnnxGraphBuilder Build(SaeWeights w, SaeOnnxOptions o)
    {
        var g = new OnnxGraphBuilder("mlsae_sae");
        int d = w.InputDim, m = w.FeatureCount;
        object[] Dims(int width) => o.Batched ? [SaeOnnxDefaults.BatchDimension, (long)width] : [(long)width];

        string features;
        if (o.Kind == SaeGraphKind.Decode)
        {
            features = g.AddInput(o.FeaturesName, F32, Dims(m));
        }
        else
        {
            var x = g.AddInput(o.InputName, F32, Dims(d));
            g.AddInitializer(BDec, w.DecoderBias, d);
            g.AddInitializer(WEnc, Transpose(w.EncoderWeights, m, d), d, m);
            g.AddInitializer(BEnc, w.EncoderBias, m);
            var centered = g.Node("Sub", [x, BDec], "x_centered");
            var projected = g.Node("MatMul", [centered, WEnc], "x_projected");
            var pre = g.Node("Add", [projected, BEnc], "hidden_pre");
            features = Activation(g, w, pre, o.FeaturesName);
            g.AddOutput(o.FeaturesName, F32, Dims(m));
        }

        if (o.Kind != SaeGraphKind.Encode)
        {
            if (o.Kind == SaeGraphKind.Decode) g.AddInitializer(BDec, w.DecoderBias, d);
            g.AddInitializer(WDec, w.DecoderWeights, m, d);
            var decoded = g.Node("MatMul", [features, WDec], "decoded");
            g.Node("Add", [decoded, BDec], o.ReconstructionName);
            g.AddOutput(o.ReconstructionName, F32, Dims(d));
        }
        return g;
    }

    static string Activation(OnnxGraphBuilder g, SaeWeights w, string pre, string output)
    {
        switch (w.Activation)
        {
            case SaeActivation.ReLU:
                return g.Node("Relu", [pre], output);
            case SaeActivation.JumpReLU:
                // f = pre where pre > threshold_i, else exactly 0 (Where avoids the -0 a mask product gives).
                g.AddInitializer(Threshold, w.Thresholds!, w.FeatureCount);
                g.AddInitializer("zero", [0f]);
                var mask = g.Node("Greater", [pre, Threshold], "jump_mask");
                return g.Node("Where", [mask, pre, "zero"], output);
            case SaeActivation.TopK:
                g.AddInitializer(KName, [(long)w.K], 1);
                g.Nodes("TopK", [pre, KName], ["topk_values", "topk_indices"], ("axis", -1L), ("largest", 1L), ("sorted", 1L));
                var kept = g.Node("Relu", ["topk_values"], "topk_kept");
                var shape = g.Node("Shape", [pre], "pre_shape");
                var zeroTensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
                zeroTensor.Dims.Add(1);
                zeroTensor.FloatData.Add(0f);
                var zeros = g.Node("ConstantOfShape", [shape], "zeros", ("value", zeroTensor));
                return g.Node("ScatterElements", [zeros, "topk_indices", kept], output, ("axis", -1L));
            default:
                throw new ArgumentOutOfRangeException(nameof(w), w.Activation, "Unknown SAE activation.");
        }
    }

    /// <summary>[rows, cols] row-major to [cols, rows].</summary>
    internal static float[] Transpose(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                t[c * rows + r] = a[r * cols + c];
        return t;
    }
}

