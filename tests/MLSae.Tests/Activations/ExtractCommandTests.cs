using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Activations.Cache;

namespace MLSae.Tests.Activations;

public class ExtractCommandTests
{
    [Fact]
    public void ExtractWritesACacheAndRefusesANonEmptyFolder()
    {
        var dir = RepoPaths.NewTempDir();
        var data = Path.Combine(dir, "docs.jsonl");
        File.WriteAllLines(data, ["""{"body": "Call me Ishmael."}""", """{"body": "The whale, the whale!"}"""]);
        var outDir = Path.Combine(dir, "out");
        string[] args = ["--hook", "blocks.1.hook_resid_post", "--data", data, "--text-field", "body", "--context", "16", "--cpu", "--dtype", "bf16", "--out", outDir];

        Assert.Equal(0, ExtractCommand.Create().Parse(args).Invoke());
        var tok = ModelSources.Resolve("minilm-l6").Tokenizer;
        int expectedRows = tok.Encode("Call me Ishmael.").Length + tok.Encode("The whale, the whale!").Length;
        using (var cache = ActivationCache.Open(outDir))
        {
            Assert.Equal(expectedRows, cache.RowCount);
            Assert.Equal(384, cache.Dimension);
            Assert.Equal(ActivationDType.BFloat16, cache.DType);
            var ids = new int[expectedRows];
            cache.ReadTokenIds(0, expectedRows, ids);
            Assert.Equal([.. tok.Encode("Call me Ishmael."), .. tok.Encode("The whale, the whale!")], ids);
            Assert.Equal("minilm-l6", cache.Manifest.Model);
        }
        Assert.Equal(1, ExtractCommand.Create().Parse(args).Invoke());                       // not empty, no --overwrite
        Assert.Equal(0, ExtractCommand.Create().Parse([.. args, "--overwrite"]).Invoke());
        Assert.Equal(1, ExtractCommand.Create().Parse(["--hook", "blocks.9.hook_resid_post", "--data", data, "--out", Path.Combine(dir, "o2"), "--cpu"]).Invoke());
    }
}
