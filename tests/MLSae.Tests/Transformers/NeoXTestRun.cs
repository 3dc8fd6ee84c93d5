using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLSae.Onnx;

namespace MLSae.Tests.Transformers;

/// <summary>Runs a GPT-NeoX ONNX graph on right-padded batches and compares against the reference.</summary>
static class NeoXTestRun
{
    public sealed record Output(float[] Data, int[] Dims)
    {
        public double[] At(int b, int t)
        {
            int T = Dims[1], w = Dims[2];
            return Enumerable.Range(0, w).Select(i => (double)Data[((long)b * T + t) * w + i]).ToArray();
        }
    }

    /// <summary>Right-pads <paramref name="sequences"/> with token 0 / mask 0 and runs the model.</summary>
    public static Dictionary<string, Output> Run(InferenceSession session, int[][] sequences, int? padTo = null,
        Dictionary<string, DenseTensor<float>>? extra = null, bool leftPad = false)
    {
        int B = sequences.Length, T = padTo ?? sequences.Max(s => s.Length);
        var ids = new DenseTensor<long>([B, T]);
        var mask = new DenseTensor<long>([B, T]);
        for (int b = 0; b < B; b++)
        {
            int offset = leftPad ? T - sequences[b].Length : 0;
            for (int t = 0; t < sequences[b].Length; t++)
            {
                ids[b, t + offset] = sequences[b][t];
                mask[b, t + offset] = 1;
            }
        }
        var inputs = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor("input_ids", ids), NamedOnnxValue.CreateFromTensor("attention_mask", mask) };
        if (extra is not null) inputs.AddRange(extra.Select(e => NamedOnnxValue.CreateFromTensor(e.Key, e.Value)));
        using var results = session.Run(inputs);
        return results.ToDictionary(r => r.Name, r =>
        {
            var t = r.AsTensor<float>();
            return new Output(t.ToArray(), t.Dimensions.ToArray());
        });
    }

    public static InferenceSession Session(byte[] model) => OnnxSessionFactory.Create(model);

    /// <summary>
    /// Asserts |actual - expected| &lt;= 1e-4 (|expected| + rms(expected row)) element-wise: 1e-4 relative,
    /// with the row's RMS as the scale for entries near zero.
    /// </summary>
    public static void AssertClose(double[] expected, double[] actual, string what, double rel = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        double rms = Math.Sqrt(expected.Average(v => v * v));
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = rel * (Math.Abs(expected[i]) + rms);
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tol,
                $"{what}[{i}]: onnx {actual[i]:G9} vs reference {expected[i]:G9} (tolerance {tol:G3})");
        }
    }

    public static int[][] RandomSequences(int seed, int vocab, params int[] lengths)
    {
        var rng = new Random(seed);
        return lengths.Select(n => Enumerable.Range(0, n).Select(_ => rng.Next(1, vocab)).ToArray()).ToArray();
    }
}
