using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLSae.Activations;
using MLSae.Onnx;
using Onnx;

namespace MLSae.Benchmarks.Extraction;

/// <summary>
/// `--extraction-precision [--hook H] [--batches N]`: does reduced precision pay for the extraction forward on this CPU?
/// <list type="bullet">
/// <item>fp16 and bf16: one [4096 x 384] x [384 x 1536] MatMul (MiniLM's widest product at batch 32 x 128) in each
/// type against float32 on ONNX Runtime's CPU provider: is there a kernel, and how fast is it.</item>
/// <item>int8: the pruned MiniLM graph with every MatMul on a constant weight replaced by com.microsoft
/// DynamicQuantizeMatMul (weights int8 per output column, symmetric; activations quantised per run, as ONNX Runtime's
/// quantize_dynamic does), run on the same dense batches as the float32 graph: time and the error of the hook.</item>
/// </list>
/// </summary>
static class ExtractionPrecision
{
    public static int Run(string[] args)
    {
        string hook = Arg(args, "--hook") ?? "blocks.3.hook_resid_post";
        int nBatches = int.Parse(Arg(args, "--batches") ?? "4");
        ProductProbe();

        var model = ModelSources.Resolve(MiniLmResources.Name);
        var cpu = new OnnxExecutionOptions { PreferCuda = false };
        using var x = new ActivationExtractor(model, hook, new ExtractionOptions { Execution = cpu });
        var pruned = OnnxGraphSurgery.ExposeAndPrune(model.Graph, [x.Hook.TensorName]);
        var (int8, replaced) = QuantizeMatMuls(pruned);
        using var fp32 = OnnxSessionFactory.Create(pruned.ToByteArray(), cpu);
        using var q8 = OnnxSessionFactory.Create(int8.ToByteArray(), cpu);
        Console.WriteLine($"int8: {replaced} MatMuls on constant weights -> DynamicQuantizeMatMul");

        // Dense batches of Moby-Dick text: [CLS] + 126 tokens + [SEP], 32 contexts.
        var ids = new List<int>();
        foreach (var d in CorpusReader.Read(FindData("moby-dick.txt")))
        {
            model.Tokenizer.Encode(d.Text, ids);
            if (ids.Count > nBatches * 32 * 126) break;
        }
        const int B = 32, T = 128;
        double t32 = 0, t8 = 0, sumSq = 0, sumErr = 0, minCos = 1, sumCos = 0, maxAbs = 0;
        long rows = 0;
        for (int run = -1; run < nBatches; run++)   // run -1 warms both sessions up
        {
            var input = new long[B * T];
            var mask = Enumerable.Repeat(1L, B * T).ToArray();
            var types = new long[B * T];
            for (int b = 0; b < B; b++)
            {
                input[b * T] = model.SpecialTokens.Cls!.Value;
                for (int p = 1; p < T - 1; p++) input[b * T + p] = ids[(Math.Max(run, 0) * B + b) * (T - 2) + p - 1];
                input[b * T + T - 1] = model.SpecialTokens.Sep!.Value;
            }
            var (a, ta) = Forward(fp32, x.Hook.TensorName, input, mask, types, B, T);
            var (q, tq) = Forward(q8, x.Hook.TensorName, input, mask, types, B, T);
            if (run < 0) continue;
            t32 += ta; t8 += tq;
            int d = a.Length / (B * T);
            for (int r = 0; r < B * T; r++)
            {
                double dot = 0, na = 0, nq = 0, err = 0;
                for (int k = 0; k < d; k++)
                {
                    double u = a[r * d + k], v = q[r * d + k];
                    dot += u * v; na += u * u; nq += v * v; err += (u - v) * (u - v);
                    maxAbs = Math.Max(maxAbs, Math.Abs(u - v));
                }
                double cos = dot / Math.Sqrt(na * nq);
                minCos = Math.Min(minCos, cos); sumCos += cos;
                sumErr += err; sumSq += na;
                rows++;
            }
        }
        Console.WriteLine($"pruned forward, {nBatches} dense batches of {B} x {T}: float32 {rows / t32:N0} tokens/s, int8 dynamic {rows / t8:N0} tokens/s ({t32 / t8:F2}x); " +
            $"hook error: relative L2 {Math.Sqrt(sumErr / sumSq):G3}, cosine mean {sumCos / rows:F5} min {minCos:F5}, max |diff| {maxAbs:G3}");
        return 0;
    }

    static (float[] Output, double Seconds) Forward(InferenceSession s, string tensor, long[] ids, long[] mask, long[] types, int b, int t)
    {
        long[] shape = [b, t];
        var names = s.InputMetadata.Keys.ToArray();
        var values = names.Select(n => OrtValue.CreateTensorValueFromMemory(n switch
        {
            ModelInputs.InputIds => ids,
            ModelInputs.AttentionMask => mask,
            _ => types,
        }, shape)).ToArray();
        var sw = Stopwatch.StartNew();
        using var results = s.Run(new RunOptions(), names, values, [tensor]);
        double seconds = sw.Elapsed.TotalSeconds;
        var output = results[0].GetTensorDataAsSpan<float>().ToArray();
        foreach (var v in values) v.Dispose();
        return (output, seconds);
    }

    /// <summary>Copy of <paramref name="model"/> with MatMul(A, constant W [K, N]) as DynamicQuantizeMatMul(A, int8 W, scale [N], zero point [N]).</summary>
    static (ModelProto Model, int Replaced) QuantizeMatMuls(ModelProto model)
    {
        var m = model.Clone();
        var g = m.Graph;
        var inits = g.Initializer.ToDictionary(t => t.Name);
        int replaced = 0;
        foreach (var node in g.Node.ToList())
        {
            if (node.OpType != "MatMul" || !inits.TryGetValue(node.Input[1], out var w) || w.Dims.Count != 2 || w.DataType != (int)TensorProto.Types.DataType.Float) continue;
            int k = (int)w.Dims[0], n = (int)w.Dims[1];
            var values = w.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(w.RawData.Span).ToArray() : [.. w.FloatData];
            var scale = new float[n];
            var q = new sbyte[k * n];
            for (int c = 0; c < n; c++)
            {
                float max = 0;
                for (int r = 0; r < k; r++) max = Math.Max(max, Math.Abs(values[r * n + c]));
                scale[c] = max == 0 ? 1 : max / 127f;
                for (int r = 0; r < k; r++) q[r * n + c] = (sbyte)Math.Clamp(MathF.Round(values[r * n + c] / scale[c]), -127, 127);
            }
            string prefix = node.Input[1] + "_q";
            g.Initializer.Add(new TensorProto { Name = prefix, DataType = (int)TensorProto.Types.DataType.Int8, Dims = { k, n }, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(q.AsSpan())) });
            g.Initializer.Add(new TensorProto { Name = prefix + "_scale", DataType = (int)TensorProto.Types.DataType.Float, Dims = { n }, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(scale.AsSpan())) });
            g.Initializer.Add(new TensorProto { Name = prefix + "_zp", DataType = (int)TensorProto.Types.DataType.Int8, Dims = { n }, RawData = ByteString.CopyFrom(new byte[n]) });
            var a = node.Input[0];
            node.OpType = "DynamicQuantizeMatMul";
            node.Domain = "com.microsoft";
            node.Input.Clear();
            node.Input.Add([a, prefix, prefix + "_scale", prefix + "_zp"]);
            replaced++;
        }
        if (!m.OpsetImport.Any(o => o.Domain == "com.microsoft")) m.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        return (m, replaced);
    }

    /// <summary>One MatMul in float32, float16 and bfloat16 on the CPU provider: kernel or not, and speed.</summary>
    static void ProductProbe()
    {
        const int M = 4096, K = 384, N = 1536;
        var rng = new Random(1);
        var a = new float[M * K];
        var w = new float[K * N];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() - 0.5) * 0.1f;
        foreach (var type in new[] { TensorProto.Types.DataType.Float, TensorProto.Types.DataType.Float16, TensorProto.Types.DataType.Bfloat16 })
        {
            try
            {
                var b = new OnnxGraphBuilder("matmul");
                b.AddInput("a", TensorProto.Types.DataType.Float, M, K);
                b.AddInitializer("w", w, K, N);
                b.AddOutput("y", TensorProto.Types.DataType.Float, M, N);
                if (type == TensorProto.Types.DataType.Float) b.Node("MatMul", ["a", "w"], "y");
                else
                {
                    b.Node("Cast", ["a"], "a2", ("to", (long)type));
                    b.Node("Cast", ["w"], "w2", ("to", (long)type));
                    b.Node("MatMul", ["a2", "w2"], "y2");
                    b.Node("Cast", ["y2"], "y", ("to", (long)TensorProto.Types.DataType.Float));
                }
                using var s = OnnxSessionFactory.Create(b.ToBytes(), new OnnxExecutionOptions { PreferCuda = false });
                using var input = OrtValue.CreateTensorValueFromMemory(a, [M, K]);
                s.Run(new RunOptions(), ["a"], [input], ["y"]).Dispose();
                var sw = Stopwatch.StartNew();
                const int Reps = 5;
                for (int r = 0; r < Reps; r++) s.Run(new RunOptions(), ["a"], [input], ["y"]).Dispose();
                double seconds = sw.Elapsed.TotalSeconds / Reps;
                Console.WriteLine($"MatMul [{M} x {K}] x [{K} x {N}] in {type}: {seconds * 1000:F1} ms, {2.0 * M * K * N / seconds / 1e9:F0} GFLOP/s (casts included)");
            }
            catch (Exception e) when (e is OnnxRuntimeException or InvalidDataException)
            {
                Console.WriteLine($"MatMul in {type}: no CPU kernel ({e.Message.Split('\n')[0]})");
            }
        }
    }

    static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    static string FindData(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", file);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{file} not found in shared/data above {AppContext.BaseDirectory}.");
    }
}
