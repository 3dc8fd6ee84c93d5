using MLSae.Activations;
using Onnx;

namespace MLSae.Tests.Activations;

public class HookResolutionTests
{
    static TransformerModel MiniLm => ModelSources.Resolve("minilm-l6");

    [Fact]
    public void MiniLmHooksResolveToTheAddsReadOffTheGraph()
    {
        var r = new HookResolver(MiniLm);
        Assert.Equal(6, r.LayerCount);
        // Read off the graph by hand: Add_441 [661, encoder.layer.3.output.LayerNorm.bias] -> 662,
        // Add_417 [635, encoder.layer.3.attention.output.LayerNorm.bias] -> 636,
        // Add_405 [encoder.layer.3.attention.output.dense.bias, 623] -> 624, Add_429 [..output.dense.bias, 649] -> 650,
        // Add_339 [532, encoder.layer.2.output.LayerNorm.bias] -> 533.
        Assert.Equal("662", r.Resolve("blocks.3.hook_resid_post").TensorName);
        Assert.Equal("636", r.Resolve("blocks.3.hook_resid_mid").TensorName);
        Assert.Equal("624", r.Resolve("blocks.3.hook_attn_out").TensorName);
        Assert.Equal("650", r.Resolve("blocks.3.hook_mlp_out").TensorName);
        Assert.Equal("533", r.Resolve("blocks.3.hook_resid_pre").TensorName);
        // The last block's output is the model output.
        Assert.Equal("last_hidden_state", r.Resolve("blocks.5.hook_resid_post").TensorName);
        Assert.Equal(30, r.ListHooks().Count);
        Assert.Equal("tensor", r.Resolve("624").Rule);
    }

    [Fact]
    public void UnknownHookListsTheValidOnes()
    {
        var r = new HookResolver(MiniLm);
        var e = Assert.Throws<ArgumentException>(() => r.Resolve("blocks.6.hook_resid_post"));
        Assert.Contains("blocks.0.hook_resid_pre", e.Message);
        Assert.Contains("blocks.5.hook_resid_post", e.Message);
        Assert.Throws<ArgumentException>(() => r.Resolve("blocks.1.hook_z"));
    }

    [Fact]
    public void ExactTensorNameWinsOverRules()
    {
        // A graph whose tensors carry hook names (as MLSae's Pythia graphs do) needs no rules.
        var b = new MLSae.Onnx.OnnxGraphBuilder("g");
        b.AddInput("x", TensorProto.Types.DataType.Float, "n");
        b.Node("Relu", ["x"], "blocks.0.hook_resid_post");
        b.Node("Neg", ["blocks.0.hook_resid_post"], "blocks.1.hook_resid_post");
        b.AddOutput("blocks.1.hook_resid_post", TensorProto.Types.DataType.Float, "n");
        var r = new HookResolver(b.Build(), ArchitectureFamily.Unknown);
        Assert.Equal(2, r.LayerCount);
        Assert.Equal(new HookPoint("blocks.0.hook_resid_post", "blocks.0.hook_resid_post", "exact"), r.Resolve("blocks.0.hook_resid_post"));
        Assert.Equal(["blocks.0.hook_resid_post", "blocks.1.hook_resid_post"], r.ListHooks().Select(h => h.Name));
    }

    [Fact]
    public void Gpt2RulesFindLayerNormInputsAndProjectionAdds()
    {
        // Two GPT-2 blocks in HF export naming with a decomposed LayerNorm; only the wiring matters.
        var b = new MLSae.Onnx.OnnxGraphBuilder("gpt2");
        b.AddInput("h0", TensorProto.Types.DataType.Float, "n", 4);
        string x = "h0";
        for (int l = 0; l < 2; l++)
        {
            var ln1 = LayerNorm(b, x, $"transformer.h.{l}.ln_1");
            var attn = b.Node("Add", [b.Node("Neg", [ln1], $"a{l}"), Init(b, $"transformer.h.{l}.attn.c_proj.bias")], $"attn_out{l}");
            var mid = b.Node("Add", [x, attn], $"mid{l}");
            var ln2 = LayerNorm(b, mid, $"transformer.h.{l}.ln_2");
            var mlp = b.Node("Add", [b.Node("Neg", [ln2], $"m{l}"), Init(b, $"transformer.h.{l}.mlp.c_proj.bias")], $"mlp_out{l}");
            x = b.Node("Add", [mid, mlp], $"post{l}");
        }
        var final = LayerNorm(b, x, "transformer.ln_f");
        b.AddOutput(final, TensorProto.Types.DataType.Float, "n", 4);
        var r = new HookResolver(b.Build(), ArchitectureFamily.Gpt2);
        Assert.Equal(2, r.LayerCount);
        Assert.Equal("h0", r.Resolve("blocks.0.hook_resid_pre").TensorName);
        Assert.Equal("attn_out1", r.Resolve("blocks.1.hook_attn_out").TensorName);
        Assert.Equal("mid1", r.Resolve("blocks.1.hook_resid_mid").TensorName);
        Assert.Equal("mlp_out0", r.Resolve("blocks.0.hook_mlp_out").TensorName);
        Assert.Equal("post0", r.Resolve("blocks.0.hook_resid_post").TensorName);
        Assert.Equal("post0", r.Resolve("blocks.1.hook_resid_pre").TensorName);
        Assert.Equal("post1", r.Resolve("blocks.1.hook_resid_post").TensorName);
    }

    static string Init(MLSae.Onnx.OnnxGraphBuilder b, string name) => b.AddInitializer(name, new float[4], 4);

    static string LayerNorm(MLSae.Onnx.OnnxGraphBuilder b, string x, string prefix)
    {
        var mean = b.Node("ReduceMean", [x], b.UniqueName("mean"), ("axes", new long[] { -1 }));
        var centered = b.Node("Sub", [x, mean], b.UniqueName("c"));
        var sq = b.Node("Mul", [centered, centered], b.UniqueName("sq"));
        var variance = b.Node("ReduceMean", [sq], b.UniqueName("var"), ("axes", new long[] { -1 }));
        var norm = b.Node("Div", [centered, b.Node("Sqrt", [variance], b.UniqueName("std"))], b.UniqueName("n"));
        var scaled = b.Node("Mul", [norm, Init(b, prefix + ".weight")], b.UniqueName("s"));
        return b.Node("Add", [scaled, Init(b, prefix + ".bias")], b.UniqueName("ln"));
    }

    [Fact]
    public void UnknownModelSpecListsValidForms()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelSources.Resolve("gpt-17"));
        Assert.Contains("minilm-l6", e.Message);
        Assert.Contains("onnx:", e.Message);
        Assert.Contains("pythia:", e.Message);
        Assert.Throws<FileNotFoundException>(() => ModelSources.Resolve("onnx:/no/such/model.onnx"));
    }

    [Fact]
    public void TokenizerLargerThanEmbeddingIsAMismatch()
    {
        var dir = RepoPaths.NewTempDir();
        var vocab = Path.Combine(dir, "vocab.txt");
        File.WriteAllLines(vocab, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", .. Enumerable.Range(0, 40_000).Select(i => $"tok{i}")]);
        var e = Assert.Throws<InvalidDataException>(() => ModelSources.Resolve("minilm-l6", vocab));
        Assert.Contains("40,004", e.Message);
        Assert.Contains("30,522", e.Message);
    }

    [Fact]
    public void OnnxFileWithVocabBesideItDetectsTheBertFamily()
    {
        var dir = RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "mini.onnx");
        File.WriteAllBytes(path, MiniLmResources.ModelBytes);
        using (var s = MiniLmResources.OpenVocab()) using (var f = File.Create(Path.Combine(dir, "vocab.txt"))) s.CopyTo(f);
        var model = ModelSources.Resolve("onnx:" + path);
        Assert.Equal("mini", model.Name);
        Assert.Equal(ArchitectureFamily.Bert, model.Family);
        Assert.Equal(512, model.MaxPositions);
        Assert.Equal(384, model.HiddenSize);
        Assert.True(model.IsEncoder);
        Assert.Equal("662", new HookResolver(model).Resolve("blocks.3.hook_resid_post").TensorName);
    }

    [Fact]
    public void RegisteredSchemeIsUsedForItsPrefix()
    {
        string? seen = null;
        ModelSources.RegisterScheme("testscheme", (rest, _) => { seen = rest; return ModelSources.Resolve("minilm-l6"); });
        Assert.Same(ModelSources.Resolve("minilm-l6"), ModelSources.Resolve("testscheme:/some/dir"));
        Assert.Equal("/some/dir", seen);
        Assert.Contains(ModelSources.ValidForms, f => f.StartsWith("testscheme:", StringComparison.Ordinal));
    }

    [Fact]
    public void CorruptOnnxFileIsReported()
    {
        var dir = RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(path, [0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        using (var s = MiniLmResources.OpenVocab()) using (var f = File.Create(Path.Combine(dir, "vocab.txt"))) s.CopyTo(f);
        var e = Assert.Throws<InvalidDataException>(() => ModelSources.Resolve("onnx:" + path));
        Assert.Contains("not a valid ONNX", e.Message);
    }
}
