using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Tests.Transformers;
using MLSae.Transformers.GptNeoX;
using Onnx;

namespace MLSae.Tests.Evaluation.Preservation;

/// <summary>Tiny GPT-NeoX graphs, hand-made SAEs and a plain ORT runner for the splice tests.</summary>
static class SpliceFixture
{
    public const string Hook = "blocks.0.hook_resid_post";
    public static readonly OnnxExecutionOptions Cpu = new() { PreferCuda = false };

    /// <summary>W_enc = [I; -I], W_dec = [I; -I] (feature-major), no biases: relu(x) - relu(-x) = x exactly.</summary>
    public static SaeWeights IdentitySae(int d)
    {
        int m = 2 * d;
        var w = new float[m * d];
        for (int i = 0; i < d; i++)
        {
            w[i * d + i] = 1;
            w[(d + i) * d + i] = -1;
        }
        return new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, d, m, w, new float[m], (float[])w.Clone(), new float[d]);
    }

    /// <summary><see cref="IdentitySae"/> with uniform noise of half-width <paramref name="noise"/> on every decoder weight: close to, not exactly, the identity.</summary>
    public static SaeWeights NoisyIdentitySae(int d, double noise, int seed)
    {
        var exact = IdentitySae(d);
        var dec = (float[])exact.DecoderWeights.Clone();
        var r = Reference.Random(dec.Length, seed, noise);
        for (int i = 0; i < dec.Length; i++) dec[i] += r[i];
        return new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, d, 2 * d, exact.EncoderWeights, exact.EncoderBias, dec, exact.DecoderBias);
    }

    /// <summary>An SAE whose reconstruction is exactly zero (zero decoder and decoder bias).</summary>
    public static SaeWeights ZeroSae(int d, int m) =>
        new(SaeArchitecture.Standard, SaeActivation.ReLU, d, m, Reference.Random(m * d, 5, 0.5), new float[m], new float[m * d], new float[d]);

    /// <summary>The tiny checkpoint written to a temp folder (seeded), with the in-memory weights.</summary>
    public static (TinyGptNeoX Tiny, string Dir) Tiny(int seed = 31)
    {
        var tiny = TinyGptNeoX.Create(seed: seed);
        return (tiny, tiny.Write(Path.Combine(RepoPaths.NewTempDir(), "tiny-pythia")));
    }

    public static ModelProto Build(string dir, GptNeoXBuildOptions options)
    {
        using var checkpoint = GptNeoXCheckpoint.Load(dir);
        return GptNeoXOnnxBuilder.Build(checkpoint, options);
    }

    public static InferenceSession Session(ModelProto model) => OnnxSessionFactory.Create(model.ToByteArray(), Cpu);

    /// <summary>Runs with int64 ids and mask [b, t] plus extra named inputs; returns every output flattened.</summary>
    public static Dictionary<string, float[]> Run(InferenceSession session, long[] ids, long[] mask, int b, int t, params NamedOnnxValue[] extra)
    {
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, [b, t])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, [b, t])),
        };
        inputs.AddRange(extra);
        using var results = session.Run(inputs);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    public static NamedOnnxValue Floats(string name, float[] data, params int[] dims) => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(data, dims));
    public static NamedOnnxValue Longs(string name, long[] data, params int[] dims) => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(data, dims));

    /// <summary>Right-padded ids and mask for <paramref name="sequences"/>.</summary>
    public static (long[] Ids, long[] Mask, int T) Pad(int[][] sequences)
    {
        int b = sequences.Length, t = sequences.Max(s => s.Length);
        var ids = new long[b * t];
        var mask = new long[b * t];
        for (int i = 0; i < b; i++)
            for (int p = 0; p < sequences[i].Length; p++)
            {
                ids[i * t + p] = sequences[i][p];
                mask[i * t + p] = 1;
            }
        return (ids, mask, t);
    }

    /// <summary>The SAE reconstruction of every row of <paramref name="x"/> ([rows, d]) in double precision, as float.</summary>
    public static float[] Reconstruct(SaeWeights sae, float[] x)
    {
        int d = sae.InputDim;
        var result = new float[x.Length];
        for (int r = 0; r < x.Length / d; r++)
        {
            var (_, xHat) = Reference.Forward(sae, x.AsSpan(r * d, d));
            for (int j = 0; j < d; j++) result[r * d + j] = (float)xHat[j];
        }
        return result;
    }

    /// <summary>|a - b| &lt;= abs + rel |b| for every element of the rows whose mask is 1.</summary>
    public static void AssertRowsClose(float[] expected, float[] actual, long[] mask, int width, double rel, double abs, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int r = 0; r < mask.Length; r++)
        {
            if (mask[r] == 0) continue;
            for (int j = 0; j < width; j++)
            {
                double e = expected[r * width + j], a = actual[r * width + j];
                Assert.True(Math.Abs(a - e) <= abs + rel * Math.Abs(e), $"{what} row {r} [{j}]: {a:G9} vs expected {e:G9}");
            }
        }
    }
}
