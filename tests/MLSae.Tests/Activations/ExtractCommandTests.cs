using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Tests.Activations;

public class ExtractCommandTests
{
    [Fact]
    public void ExtractWritesChunksThroughTheSinkAndRefusesANonEmptyFolder()
    {
        var dir = RepoPaths.NewTempDir();
        var data = Path.Combine(dir, "docs.jsonl");
        File.WriteAllLines(data, ["""{"body": "Call me Ishmael."}""", """{"body": "The whale, the whale!"}"""]);
        var outDir = Path.Combine(dir, "out");
        string[] args = ["--hook", "blocks.1.hook_resid_post", "--data", data, "--text-field", "body", "--context", "16", "--cpu", "--dtype", "bf16", "--out", outDir];

        Assert.Equal(0, ExtractCommand.Create().Parse(args).Invoke());
        var tok = ModelSources.Resolve("minilm-l6").Tokenizer;
        int expectedRows = tok.Encode("Call me Ishmael.").Length + tok.Encode("The whale, the whale!").Length;
        using (var chunk = SafeTensorsFile.Open(Path.Combine(outDir, "chunk-00000.safetensors")))
        {
            Assert.Equal([expectedRows, 384], chunk.Get("activations").Shape);
            Assert.Equal(SafeTensorDType.BF16, chunk.Get("activations").DType);
            Assert.Equal([.. tok.Encode("Call me Ishmael.").Select(i => (long)i), .. tok.Encode("The whale, the whale!").Select(i => (long)i)], chunk.ReadInt64s("token_ids"));
        }
        Assert.True(File.Exists(Path.Combine(outDir, "summary.json")));

        Assert.Equal(1, ExtractCommand.Create().Parse(args).Invoke());                       // not empty, no --overwrite
        Assert.Equal(0, ExtractCommand.Create().Parse([.. args, "--overwrite"]).Invoke());
        Assert.Equal(1, ExtractCommand.Create().Parse(["--hook", "blocks.9.hook_resid_post", "--data", data, "--out", Path.Combine(dir, "o2"), "--cpu"]).Invoke());
    }
}
