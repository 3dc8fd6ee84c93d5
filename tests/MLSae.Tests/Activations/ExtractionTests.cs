using Google.Protobuf;
using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Onnx;
using Onnx;

namespace MLSae.Tests.Activations;

public class ExtractionTests
{
    static TransformerModel MiniLm => ModelSources.Resolve("minilm-l6");
    static readonly OnnxExecutionOptions Cpu = new() { PreferCuda = false };

    static TextDocument[] Docs(params string[] texts) => texts.Select((t, i) => new TextDocument(i, t, "test")).ToArray();

    static readonly TextDocument[] Sample = Docs(
        "Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about a little.",
        "The whale!",
        "It is a way I have of driving off the spleen and regulating the circulation; whenever I find myself growing grim about the mouth.",
        "Café crème, naïve résumé: 日本語.");

    [Fact]
    public void PrunedLayer3EqualsSameTensorFromFullGraph()
    {
        var options = new ExtractionOptions { ContextLength = 24, BatchSize = 4, Execution = Cpu };
        using var pruned = new ActivationExtractor(MiniLm, "blocks.3.hook_resid_post", options);
        using var full = new ActivationExtractor(MiniLm, "blocks.3.hook_resid_post", options with { Prune = false });
        Assert.Equal(650, full.NodeCount);
        // blocks.3.hook_resid_post is after four of six blocks (0..3): about two thirds of the nodes,
        // and nothing of blocks 4, 5 or the pooler survives.
        Assert.InRange(pruned.NodeCount, 400, 460);
        using (var half = new ActivationExtractor(MiniLm, "blocks.3.hook_resid_pre", options))
            Assert.InRange(half.NodeCount, 280, 360);   // three of six blocks: about half
        Assert.Equal(384, pruned.Dimension);

        var a = new InMemoryActivationSink();
        var b = new InMemoryActivationSink();
        pruned.Run(Sample, a);
        full.Run(Sample, b);
        var x = a.Concatenate();
        var y = b.Concatenate();
        Assert.Equal(y.TokenIds, x.TokenIds);
        Assert.Equal(y.Activations.Length, x.Activations.Length);
        for (int i = 0; i < x.Activations.Length; i++)
            Assert.True(Math.Abs(x.Activations[i] - y.Activations[i]) <= 1e-5, $"element {i}: {x.Activations[i]} vs {y.Activations[i]}");
    }

    [Fact]
    public void PruningDropsLaterBlocksAndKeepsTheSourceIntact()
    {
        var source = MiniLm.Graph;
        var pruned = OnnxGraphSurgery.ExposeAndPrune(source, ["662"]);
        Assert.Equal(["662"], pruned.Graph.Output.Select(o => o.Name));
        Assert.DoesNotContain(pruned.Graph.Node, n => n.OpType == "Tanh");   // the pooler
        Assert.DoesNotContain(pruned.Graph.Initializer, t => t.Name.StartsWith("encoder.layer.4.", StringComparison.Ordinal) || t.Name.StartsWith("encoder.layer.5.", StringComparison.Ordinal));
        Assert.Contains(pruned.Graph.Initializer, t => t.Name == "encoder.layer.3.output.LayerNorm.bias");
        Assert.Equal(650, source.Graph.Node.Count);
        Assert.Equal(2, source.Graph.Output.Count);
        Assert.Throws<ArgumentException>(() => OnnxGraphSurgery.ExposeAndPrune(source, ["no-such-tensor"]));
    }

    [Fact]
    public void LastLayerEqualsUnmodifiedModelOutput()
    {
        // blocks.5.hook_resid_post is the model's own output: compare with a plain session run.
        var options = new ExtractionOptions { ContextLength = 16, BatchSize = 2, Execution = Cpu };
        using var extractor = new ActivationExtractor(MiniLm, "blocks.5.hook_resid_post", options);
        var ids = MiniLm.Tokenizer.Encode("The whale!");
        long[] input = [101, .. ids.Select(i => (long)i), 102];
        var mask = Enumerable.Repeat(1L, input.Length).ToArray();
        var mine = extractor.Forward(input, mask, 1, input.Length);

        using var session = OnnxSessionFactory.Create(MiniLmResources.ModelBytes, Cpu);
        var shape = new long[] { 1, input.Length };
        using var t1 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, shape);
        using var t2 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var t3 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new long[input.Length], shape);
        using var outputs = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["input_ids", "attention_mask", "token_type_ids"], [t1, t2, t3], ["last_hidden_state"]);
        var reference = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(reference.Length, mine.Length);
        for (int i = 0; i < mine.Length; i++) Assert.True(Math.Abs(mine[i] - reference[i]) <= 1e-5, $"element {i}");
    }

    [Fact]
    public void ResidPre0EqualsEmbeddingLayerNormComputedInDouble()
    {
        // Independent computation: word + position + token-type embedding, LayerNorm (eps 1e-12).
        var options = new ExtractionOptions { ContextLength = 16, BatchSize = 2, Execution = Cpu };
        using var extractor = new ActivationExtractor(MiniLm, "blocks.0.hook_resid_pre", options);
        var sink = new InMemoryActivationSink();
        extractor.Run(Docs("Whales swim, Ahab hunts."), sink);
        var chunk = sink.Concatenate();
        var g = MiniLm.Graph.Graph;
        float[] W(string name) => Floats(g.Initializer.Single(t => t.Name == name));
        var word = W("embeddings.word_embeddings.weight");
        var pos = W("embeddings.position_embeddings.weight");
        var type = W("embeddings.token_type_embeddings.weight");
        var gamma = W("embeddings.LayerNorm.weight");
        var beta = W("embeddings.LayerNorm.bias");
        const int d = 384;
        for (int r = 0; r < chunk.Rows; r++)
        {
            var e = new double[d];
            for (int k = 0; k < d; k++)
                e[k] = word[chunk.TokenIds[r] * d + k] + (double)pos[chunk.Positions[r] * d + k] + type[k];
            double mean = e.Average(), variance = e.Select(v => (v - mean) * (v - mean)).Average();
            for (int k = 0; k < d; k++)
            {
                double expected = (e[k] - mean) / Math.Sqrt(variance + 1e-12) * gamma[k] + beta[k];
                Assert.True(Math.Abs(expected - chunk.Activations[r * d + k]) <= 1e-4, $"row {r} k {k}: {expected} vs {chunk.Activations[r * d + k]}");
            }
        }
    }

    static float[] Floats(TensorProto t) =>
        t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : [.. t.FloatData];

    [Fact]
    public void SpecialTokensAreCountedNotStoredAndRowsFollowTheText()
    {
        var options = new ExtractionOptions { ContextLength = 12, BatchSize = 3, Execution = Cpu };
        using var extractor = new ActivationExtractor(MiniLm, "blocks.1.hook_resid_post", options);
        var sink = new InMemoryActivationSink();
        var progress = new List<ProgressInfo>();
        var summary = extractor.Run(Sample, sink, new SyncProgress(progress.Add));
        var all = sink.Concatenate();

        // Stored ids are exactly the documents' tokens in order (no [CLS]/[SEP]/[PAD]).
        var expectedIds = Sample.SelectMany(d => MiniLm.Tokenizer.Encode(d.Text)).ToArray();
        var expectedDocs = Sample.SelectMany(d => MiniLm.Tokenizer.Encode(d.Text).Select(_ => d.Id)).ToArray();
        Assert.Equal(expectedIds, all.TokenIds);
        Assert.Equal(expectedDocs, all.DocumentIds);
        // Windows of 10 text tokens between [CLS] and [SEP]: positions 1..10.
        Assert.All(all.Positions, p => Assert.InRange(p, 1, 10));
        int contexts = Sample.Sum(d => (MiniLm.Tokenizer.Encode(d.Text).Length + 9) / 10);
        Assert.Equal(contexts, summary.Contexts);
        Assert.Equal(2 * contexts, summary.SpecialTokensSkipped);
        Assert.Equal(contexts * 12 - 2 * contexts - expectedIds.Length, summary.PaddingSkipped);
        Assert.Equal(expectedIds.Length, summary.TokensStored);
        Assert.Same(summary, sink.Summary);
        Assert.Equal(expectedIds.Length, progress[^1].Done);

        // Including special tokens stores CLS/SEP rows too, never padding.
        var withSpecial = new InMemoryActivationSink();
        using var e2 = new ActivationExtractor(MiniLm, "blocks.1.hook_resid_post", options with { IncludeSpecialTokens = true });
        e2.Run(Sample, withSpecial);
        Assert.Equal(expectedIds.Length + 2 * contexts, withSpecial.Rows);
        Assert.DoesNotContain(0, withSpecial.Concatenate().TokenIds);
    }

    [Fact]
    public void RowsDoNotDependOnBatchCompanionsOrPadding()
    {
        var options = new ExtractionOptions { ContextLength = 40, BatchSize = 4, Execution = Cpu };
        using var extractor = new ActivationExtractor(MiniLm, "blocks.2.hook_resid_post", options);
        var together = new InMemoryActivationSink();
        extractor.Run(Sample, together);
        var alone = new InMemoryActivationSink();
        extractor.Run([Sample[1]], alone);
        var t = together.Concatenate();
        var a = alone.Concatenate();
        int first = Array.IndexOf(t.DocumentIds, 1L);
        for (int i = 0; i < a.Activations.Length; i++)
            Assert.True(Math.Abs(a.Activations[i] - t.Activations[first * 384 + i]) <= 1e-4, $"element {i}");
    }

    [Fact]
    public void MaxTokensStopsExactlyAndEmptyCorpusFails()
    {
        var options = new ExtractionOptions { ContextLength = 16, BatchSize = 2, MaxTokens = 7, Execution = Cpu };
        using var extractor = new ActivationExtractor(MiniLm, "blocks.0.hook_resid_post", options);
        var sink = new InMemoryActivationSink();
        var s = extractor.Run(Sample, sink);
        Assert.Equal(7, sink.Rows);
        Assert.True(s.StoppedAtMaxTokens);
        Assert.Throws<InvalidDataException>(() => extractor.Run([], new InMemoryActivationSink()));
        Assert.Throws<InvalidDataException>(() => extractor.Run(Docs("\u0000\u200B"), new InMemoryActivationSink()));
    }

    [Fact]
    public void ContextLongerThanPositionsIsRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationExtractor(MiniLm, "blocks.0.hook_resid_post", new ExtractionOptions { ContextLength = 513, Execution = Cpu }));
        Assert.Contains("512", e.Message);
    }

    [Fact]
    public void CausalPackingStartsWithBosAndSeparatesDocumentsWithEos()
    {
        var packer = new ContextPacker(TokenizerTests.TinyBpe(), 5, encoder: false);
        // "hello world" -> 12 13 14 3 8, "hello" -> 12; EOS (0) ends each; BOS (0) starts each context.
        var contexts = packer.Pack(Docs("hello world", "hello")).ToList();
        Assert.Equal([0, 12, 13, 14, 3], contexts[0].TokenIds);
        Assert.Equal([0, 8, 0, 12, 0], contexts[1].TokenIds);
        Assert.Equal([-1, 0, -1, 1, -1], contexts[1].DocumentIds);
        Assert.Equal(2, contexts.Count);
        Assert.Equal(2, packer.Documents);
    }

    sealed class SyncProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }
}
