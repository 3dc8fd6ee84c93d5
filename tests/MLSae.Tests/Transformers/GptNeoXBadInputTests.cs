using MLSae.Persistence.SafeTensors;
using MLSae.Transformers.GptNeoX;

namespace MLSae.Tests.Transformers;

public class GptNeoXBadInputTests
{
    [Fact]
    public void UnsupportedArchitectureIsNamedAndSupportedOnesListed()
    {
        var tiny = TinyGptNeoX.Create(configure: m => m.Architecture = "LlamaForCausalLM");
        var dir = tiny.Write(RepoPaths.NewTempDir());
        var e = Assert.Throws<NotSupportedException>(() => GptNeoXCheckpoint.Load(dir));
        Assert.Contains("LlamaForCausalLM", e.Message);
        Assert.Contains("GPTNeoXForCausalLM", e.Message);
    }

    [Fact]
    public void MissingTensorIsNamedWithItsExpectedShape()
    {
        var tiny = TinyGptNeoX.Create();
        var dir = tiny.Write(RepoPaths.NewTempDir(), skip: ["gpt_neox.layers.1.mlp.dense_4h_to_h.weight"]);
        using var checkpoint = GptNeoXCheckpoint.Load(dir);
        var e = Assert.Throws<InvalidDataException>(() => GptNeoXOnnxBuilder.Build(checkpoint));
        Assert.Contains("gpt_neox.layers.1.mlp.dense_4h_to_h.weight", e.Message);
        Assert.Contains("[64, 256]", e.Message);
    }

    [Fact]
    public void MismatchedTensorShapeIsNamed()
    {
        var tiny = TinyGptNeoX.Create();
        tiny.Shapes["gpt_neox.layers.0.attention.dense.weight"] = [32, 128]; // same count, wrong shape
        var dir = tiny.Write(RepoPaths.NewTempDir());
        using var checkpoint = GptNeoXCheckpoint.Load(dir);
        var e = Assert.Throws<InvalidDataException>(() => GptNeoXOnnxBuilder.Build(checkpoint));
        Assert.Contains("gpt_neox.layers.0.attention.dense.weight", e.Message);
        Assert.Contains("[32, 128]", e.Message);
        Assert.Contains("[64, 64]", e.Message);
    }

    [Fact]
    public void TruncatedSafetensorsFailsOnLoad()
    {
        var dir = TinyGptNeoX.Create().Write(RepoPaths.NewTempDir());
        var path = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 1000)]);
        var e = Assert.Throws<InvalidDataException>(() => GptNeoXCheckpoint.Load(dir));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void TokenizerLargerThanTheEmbeddingIsRejected()
    {
        var dir = TinyGptNeoX.Create().Write(RepoPaths.NewTempDir(), tokenizerSize: 150);
        var e = Assert.Throws<InvalidDataException>(() => GptNeoXCheckpoint.Load(dir));
        Assert.Contains("149", e.Message);
        Assert.Contains("vocab_size = 100", e.Message);
        Assert.Contains("tokenizer.json", e.Message);
    }

    [Fact]
    public void UnknownHookOrSpliceIsRejectedWithTheHookList()
    {
        var dir = TinyGptNeoX.Create().Write(RepoPaths.NewTempDir());
        using var checkpoint = GptNeoXCheckpoint.Load(dir);
        var e = Assert.Throws<ArgumentException>(() => GptNeoXOnnxBuilder.Build(checkpoint, new GptNeoXBuildOptions { SpliceHook = "blocks.7.hook_resid_post" }));
        Assert.Contains("blocks.7.hook_resid_post", e.Message);
        Assert.Contains("resid_pre", e.Message);
        // hook_resid_mid exists only for sequential-residual models (Pythia is parallel).
        Assert.Throws<ArgumentException>(() => GptNeoXOnnxBuilder.Build(checkpoint, new GptNeoXBuildOptions { Hooks = ["blocks.0.hook_resid_mid"] }));
    }

    [Fact]
    public void MissingConfigOrWeightsSayWhatIsExpected()
    {
        var dir = RepoPaths.NewTempDir();
        Assert.Contains("config.json", Assert.Throws<FileNotFoundException>(() => GptNeoXCheckpoint.Load(dir)).Message);
        File.WriteAllText(Path.Combine(dir, "config.json"), TinyGptNeoX.Create().ConfigJson());
        Assert.Contains("model.safetensors", Assert.Throws<FileNotFoundException>(() => GptNeoXCheckpoint.Load(dir)).Message);
    }
}
