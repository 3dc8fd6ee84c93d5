using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLSae.Activations;
using MLSae.Onnx;

namespace MLSae.Tests.Transformers;

/// <summary>`pythia:DIR` as a model source: hooks resolve by exact name and extraction equals a direct run of the graph.</summary>
public class PythiaModelSourceTests
{
    [Fact]
    public void PythiaScheme_ResolvesExactHooks_AndExtractionEqualsTheGraphsHookOutput()
    {
        var dir = TinyGptNeoX.Create(seed: 77).Write(Path.Combine(RepoPaths.NewTempDir(), "tiny-pythia"));
        var model = ModelSources.Resolve("pythia:" + dir);
        Assert.Equal(ArchitectureFamily.GptNeoX, model.Family);
        Assert.False(model.IsEncoder);
        Assert.Equal("pythia:" + Path.GetFullPath(dir), model.Name);
        Assert.DoesNotContain(model.Graph.Graph.Output, o => o.Name == "logits");

        const string hook = "blocks.1.hook_resid_post";
        using var extractor = new ActivationExtractor(model, hook, new ExtractionOptions { ContextLength = 32, BatchSize = 2, Execution = new OnnxExecutionOptions { PreferCuda = false } });
        Assert.Equal("exact", extractor.Hook.Rule);
        Assert.Equal(hook, extractor.Hook.TensorName);
        Assert.Equal(64, extractor.Dimension);

        const string text = "the cat sat on the mat";
        var ids = model.Tokenizer.Encode(text);
        Assert.True(ids.Length >= 5, $"tokenizer gave {ids.Length} ids");
        var chunks = new List<ActivationChunk>();
        extractor.Extract([new TextDocument(0, text, "test")], chunks.Add);
        var rows = chunks.SelectMany(c => Enumerable.Range(0, c.Rows).Select(r => (Token: c.TokenIds[r], Position: c.Positions[r], Row: c.Activations.AsSpan(r * c.Dimension, c.Dimension).ToArray()))).ToList();
        Assert.Equal(ids, rows.Select(r => r.Token).ToArray());

        // Independent path: the full graph (not pruned) on [BOS, ids...] in one ORT session.
        int bos = model.SpecialTokens.Bos!.Value;
        long[] input = [bos, .. ids.Select(i => (long)i)];
        int t = input.Length;
        using var session = OnnxSessionFactory.Create(model.OnnxBytes, new OnnxExecutionOptions { PreferCuda = false });
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(input, [1, t])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, t).ToArray(), [1, t])),
        ], [hook]);
        var direct = results[0].AsTensor<float>().ToArray();
        for (int r = 0; r < rows.Count; r++)
        {
            Assert.Equal(r + 1, rows[r].Position);   // after BOS
            for (int j = 0; j < 64; j++)
            {
                float expected = direct[(r + 1) * 64 + j];
                Assert.True(float.IsFinite(rows[r].Row[j]));
                Assert.True(Math.Abs(expected - rows[r].Row[j]) <= 1e-5 * (1 + Math.Abs(expected)), $"row {r} dim {j}: {rows[r].Row[j]} vs {expected}");
            }
        }

        // The tokenizer alone (for decoding) comes from tokenizer.json without building the graph.
        Assert.Equal(model.Tokenizer.IdToToken(ids[0]), ModelSources.ResolveTokenizer(model.Name).IdToToken(ids[0]));
    }

    [Fact]
    public void ExtractCommand_WithPythiaModel_RecordsASpecThatEvalDecodesWith()
    {
        var root = RepoPaths.NewTempDir();
        var dir = TinyGptNeoX.Create(seed: 78).Write(Path.Combine(root, "tiny-pythia"));
        var data = Path.Combine(root, "docs.txt");
        File.WriteAllText(data, "the cat sat on the mat\n\nthe hat is on the cat");
        var cacheDir = Path.Combine(root, "cache");
        int rc = MLSae.Cli.Commands.ExtractCommand.Create().Parse(["--model", "pythia:" + dir, "--hook", "blocks.0.hook_resid_post", "--data", data,
            "--context", "16", "--cpu", "--out", cacheDir]).Invoke();
        Assert.Equal(0, rc);
        using var cache = MLSae.Activations.Cache.ActivationCache.Open(cacheDir);
        Assert.Equal("pythia:" + Path.GetFullPath(dir), cache.Manifest.Model);
        Assert.Equal(64, cache.Dimension);
        var ids = new int[cache.RowCount];
        cache.ReadTokenIds(0, ids.Length, ids);
        var tokenizer = ModelSources.LoadTokenizer(Path.Combine(dir, "tokenizer.json"));
        Assert.Equal([.. tokenizer.Encode("the cat sat on the mat"), .. tokenizer.Encode("the hat is on the cat")], ids);
        var decode = MLSae.Runs.RunEvaluation.TokenDecoder(cache)!;
        Assert.All(ids, id => Assert.Equal(tokenizer.IdToToken(id), decode(id)));
    }

    [Fact]
    public void PythiaScheme_WithoutTokenizer_SaysWhatToDo()
    {
        var dir = TinyGptNeoX.Create().Write(Path.Combine(RepoPaths.NewTempDir(), "no-tok"));
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        var e = Assert.Throws<FileNotFoundException>(() => ModelSources.Resolve("pythia:" + dir));
        Assert.Contains("tokenizer.json", e.Message);
    }
}
