using Microsoft.ML.OnnxRuntime.Tensors;
using MLSae.Persistence.SafeTensors;
using MLSae.Transformers.GptNeoX;

namespace MLSae.Tests.Transformers;

public class GptNeoXOnnxBuilderTests
{
    static byte[] BuildModel(string dir, GptNeoXBuildOptions? options = null)
    {
        using var checkpoint = GptNeoXCheckpoint.Load(dir);
        return GptNeoXOnnxBuilder.BuildBytes(checkpoint, options);
    }

    /// <summary>Every hook and the logits at every unpadded position match the double-precision reference.</summary>
    static void AssertMatchesReference(TinyGptNeoX reference, Dictionary<string, NeoXTestRun.Output> outputs, int[][] sequences)
    {
        for (int b = 0; b < sequences.Length; b++)
        {
            var expected = ReferenceGptNeoX.Forward(reference, sequences[b]);
            foreach (var (hook, rows) in expected)
            {
                Assert.True(outputs.ContainsKey(hook), $"graph lacks output {hook}");
                for (int t = 0; t < sequences[b].Length; t++)
                    NeoXTestRun.AssertClose(rows[t], outputs[hook].At(b, t), $"{hook} seq {b} pos {t}");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LogitsAndHooksMatchTheReferenceWithRightPadding(bool parallel)
    {
        var tiny = TinyGptNeoX.Create(parallel);
        var dir = tiny.Write(RepoPaths.NewTempDir());
        using var session = NeoXTestRun.Session(BuildModel(dir));
        var expectedOutputs = GptNeoXHooks.All(GptNeoXConfig.Load(Path.Combine(dir, "config.json")));
        Assert.Equal(expectedOutputs.Order(), session.OutputMetadata.Keys.Order());

        // Several lengths in one padded batch, plus single-sequence batches of other lengths.
        var batch = NeoXTestRun.RandomSequences(7, tiny.Vocab, 9, 1, 5);
        AssertMatchesReference(tiny, NeoXTestRun.Run(session, batch, padTo: 11), batch);
        foreach (int n in new[] { 2, 16 })
        {
            var single = NeoXTestRun.RandomSequences(n, tiny.Vocab, n);
            AssertMatchesReference(tiny, NeoXTestRun.Run(session, single), single);
        }
    }

    [Fact]
    public void LaterTokensNeverChangeEarlierPositions()
    {
        var tiny = TinyGptNeoX.Create();
        using var session = NeoXTestRun.Session(BuildModel(tiny.Write(RepoPaths.NewTempDir())));
        var a = NeoXTestRun.RandomSequences(3, tiny.Vocab, 10)[0];
        var b = (int[])a.Clone();
        b[6] = a[6] % 90 + 5; b[9] = a[9] % 90 + 3;
        Assert.NotEqual(a[6], b[6]);
        var oa = NeoXTestRun.Run(session, [a]);
        var ob = NeoXTestRun.Run(session, [b]);
        foreach (var hook in oa.Keys)
        {
            for (int t = 0; t < 6; t++)
                NeoXTestRun.AssertClose(oa[hook].At(0, t), ob[hook].At(0, t), $"{hook} pos {t}", rel: 1e-6);
        }
        // ...while the changed position itself does change (so the comparison can fail).
        Assert.True(oa["logits"].At(0, 6).Zip(ob["logits"].At(0, 6)).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Theory]
    [InlineData(SafeTensorDType.F16, 1e-3)]
    [InlineData(SafeTensorDType.BF16, 8e-3)]
    public void HalfPrecisionCheckpointsLoadToTheirFloat32Source(SafeTensorDType dtype, double relTol)
    {
        var tiny = TinyGptNeoX.Create(seed: 99);
        var dir = tiny.Write(RepoPaths.NewTempDir(), dtype);
        var rounded = tiny.Rounded(dtype);
        using (var checkpoint = GptNeoXCheckpoint.Load(dir))
        {
            foreach (var (name, source) in tiny.W)
            {
                var loaded = checkpoint.Read(name, tiny.Shapes[name]);
                for (int i = 0; i < source.Length; i++)
                {
                    Assert.True(Math.Abs(loaded[i] - source[i]) <= relTol * Math.Abs(source[i]) + 1e-7, $"{name}[{i}]: {loaded[i]} vs {source[i]}");
                    Assert.Equal(rounded.W[name][i], loaded[i]); // exactly the dtype's rounding of the source
                }
            }
        }
        using var session = NeoXTestRun.Session(BuildModel(dir));
        var seqs = NeoXTestRun.RandomSequences(5, tiny.Vocab, 6, 3);
        AssertMatchesReference(rounded, NeoXTestRun.Run(session, seqs), seqs);
    }

    [Fact]
    public void ShardedCheckpointMatchesTheReference()
    {
        var tiny = TinyGptNeoX.Create(parallel: false, seed: 5);
        var dir = tiny.Write(RepoPaths.NewTempDir(), sharded: true);
        Assert.False(File.Exists(Path.Combine(dir, "model.safetensors")));
        using var session = NeoXTestRun.Session(BuildModel(dir));
        var seqs = NeoXTestRun.RandomSequences(8, tiny.Vocab, 7);
        AssertMatchesReference(tiny, NeoXTestRun.Run(session, seqs), seqs);
    }

    [Fact]
    public void PositionsFromTheMaskHandleLeftPadding()
    {
        var tiny = TinyGptNeoX.Create(seed: 11);
        var dir = tiny.Write(RepoPaths.NewTempDir());
        using var session = NeoXTestRun.Session(BuildModel(dir, new GptNeoXBuildOptions { Positions = GptNeoXPositions.FromAttentionMask }));
        var seqs = NeoXTestRun.RandomSequences(4, tiny.Vocab, 3, 8);
        var outputs = NeoXTestRun.Run(session, seqs, leftPad: true);
        var expected = ReferenceGptNeoX.Forward(tiny, seqs[0]);
        for (int t = 0; t < 3; t++) // sequence 0 sits at positions 5..7 of the padded row
            NeoXTestRun.AssertClose(expected["logits"][t], outputs["logits"].At(0, 5 + t), $"logits pos {t}");
        var full = ReferenceGptNeoX.Forward(tiny, seqs[1]);
        for (int t = 0; t < 8; t++)
            NeoXTestRun.AssertClose(full["logits"][t], outputs["logits"].At(1, t), $"logits full pos {t}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SpliceInputReplacesTheHookDownstream(bool parallel)
    {
        var tiny = TinyGptNeoX.Create(parallel, seed: 21);
        var dir = tiny.Write(RepoPaths.NewTempDir());
        const string hook = "blocks.0.hook_resid_post";
        using var session = NeoXTestRun.Session(BuildModel(dir, new GptNeoXBuildOptions { SpliceHook = hook, Hooks = [hook, "blocks.1.hook_resid_pre"] }));
        Assert.Contains(hook + ".splice", session.InputMetadata.Keys);
        Assert.Equal(new[] { hook, "blocks.1.hook_resid_pre", "logits" }.Order(), session.OutputMetadata.Keys.Order());

        var seq = NeoXTestRun.RandomSequences(2, tiny.Vocab, 6)[0];
        var rng = new Random(4);
        var spliced = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, tiny.D).Select(_ => rng.NextDouble() * 2 - 1).ToArray()).ToArray();
        var input = new DenseTensor<float>([1, 6, tiny.D]);
        for (int t = 0; t < 6; t++) for (int i = 0; i < tiny.D; i++) input[0, t, i] = (float)spliced[t][i];
        var outputs = NeoXTestRun.Run(session, [seq], extra: new() { [hook + ".splice"] = input });

        var clean = ReferenceGptNeoX.Forward(tiny, seq);
        var withSplice = ReferenceGptNeoX.Forward(tiny, seq, spliceHook: hook, spliceValue: spliced);
        for (int t = 0; t < 6; t++)
        {
            NeoXTestRun.AssertClose(clean[hook][t], outputs[hook].At(0, t), "computed hook");       // still the model's own value
            NeoXTestRun.AssertClose(spliced[t], outputs["blocks.1.hook_resid_pre"].At(0, t), "next layer's input");
            NeoXTestRun.AssertClose(withSplice["logits"][t], outputs["logits"].At(0, t), "spliced logits");
        }
    }

    [Fact]
    public void RequestingEarlyHooksOnlyLeavesLaterLayersOut()
    {
        var tiny = TinyGptNeoX.Create();
        var dir = tiny.Write(RepoPaths.NewTempDir());
        using var checkpoint = GptNeoXCheckpoint.Load(dir);
        var model = GptNeoXOnnxBuilder.Build(checkpoint, new GptNeoXBuildOptions { Hooks = ["blocks.0.hook_mlp_out"], IncludeLogits = false });
        Assert.DoesNotContain(model.Graph.Initializer, t => t.Name.Contains("layers.1.") || t.Name.Contains("embed_out"));
        using var session = NeoXTestRun.Session(Google.Protobuf.MessageExtensions.ToByteArray(model));
        Assert.Equal(["blocks.0.hook_mlp_out"], session.OutputMetadata.Keys);
        var seq = NeoXTestRun.RandomSequences(1, tiny.Vocab, 4);
        var expected = ReferenceGptNeoX.Forward(tiny, seq[0])["blocks.0.hook_mlp_out"];
        var outputs = NeoXTestRun.Run(session, seq);
        for (int t = 0; t < 4; t++) NeoXTestRun.AssertClose(expected[t], outputs["blocks.0.hook_mlp_out"].At(0, t), "mlp_out");
    }
}
