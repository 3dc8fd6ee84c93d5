using System.CommandLine;
using MLSae.Cli.Commands;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Persistence;
using MLSae.Persistence.Export;
using MLSae.Persistence.Onnx;
using MLSae.Scoring;
using MLSae.Tests.Scoring;

namespace MLSae.Tests.Persistence.Export;

/// <summary>Export then load (SaeLoader, and the ONNX Runtime scorer) gives the same SAE, codes and provenance.</summary>
public class SaeExportTests
{
    const int D = 12, M = 40;
    static readonly SaeScorerOptions Cpu = new() { Execution = new OnnxExecutionOptions { PreferCuda = false } };

    static SaeWeights Sae(SaeActivation activation, int seed = 1)
    {
        var order = Enumerable.Range(0, M).Reverse().ToArray();
        var info = new SaeInfo
        {
            ModelName = "minilm-l6", HookName = "blocks.3.hook_resid_post", TrainingTokens = 123_456,
            FeatureFrequencies = Enumerable.Range(0, M).Select(i => (float)(0.5 / (i + 1))).ToArray(),
            OriginalIndices = order,
            Permutations = [new PermutationRecord(200, order, "frequency")],
        };
        return TestSaes.Random(activation, D, M, seed, k: 5, info: info);
    }

    static string OutPath(SaeExportFormat format) =>
        Path.Combine(RepoPaths.NewTempDir("export"), format switch { SaeExportFormat.Onnx => "sae.onnx", SaeExportFormat.MLNet => "sae.zip", _ => "sae" });

    [Theory]
    [InlineData(SaeExportFormat.SaeLens, SaeActivation.ReLU)]
    [InlineData(SaeExportFormat.SaeLens, SaeActivation.JumpReLU)]
    [InlineData(SaeExportFormat.SaeLens, SaeActivation.TopK)]
    [InlineData(SaeExportFormat.Sparsify, SaeActivation.TopK)]
    [InlineData(SaeExportFormat.Onnx, SaeActivation.ReLU)]
    [InlineData(SaeExportFormat.Onnx, SaeActivation.JumpReLU)]
    [InlineData(SaeExportFormat.Onnx, SaeActivation.TopK)]
    [InlineData(SaeExportFormat.MLNet, SaeActivation.ReLU)]
    [InlineData(SaeExportFormat.MLNet, SaeActivation.JumpReLU)]
    [InlineData(SaeExportFormat.MLNet, SaeActivation.TopK)]
    public void ExportThenLoad_GivesTheSameCodesAndCarriesTheOrderingLog(SaeExportFormat format, SaeActivation activation)
    {
        var original = Sae(activation);
        var path = OutPath(format);
        SaeExporter.Export(original, format, path);
        Assert.Equal([Path.GetFileName(path)], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(path)!).Select(Path.GetFileName));  // no temp left

        var loaded = SaeLoader.Load(path);
        Assert.Equal((original.Activation, original.InputDim, original.FeatureCount, original.K), (loaded.Activation, loaded.InputDim, loaded.FeatureCount, loaded.K));
        Assert.Equal(original.Architecture, loaded.Architecture);
        var x = TestSaes.Activations(50, D, seed: 3);
        for (int r = 0; r < 50; r++)
        {
            var row = x.AsSpan(r * D, D);
            var a = TestSaes.Encode(original, row);
            var b = TestSaes.Encode(loaded, row);
            for (int i = 0; i < M; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6, $"{format} row {r} feature {i}: {b[i]} vs {a[i]}");
        }
        Assert.Equal(original.Info.OriginalIndices, loaded.Info.OriginalIndices);
        var p = Assert.Single(loaded.Info.Permutations);
        Assert.Equal((200L, "frequency"), (p.Step, p.Reason));
        Assert.Equal(original.Info.OriginalIndices, p.Order);
        Assert.Equal(original.Info.HookName, loaded.Info.HookName);

        // The path every command's --sae takes for scoring: ONNX Runtime in float32.
        using var scorer = SaeScorer.Open(path, Cpu);
        var codes = new float[50 * M];
        scorer.Encode(x, 50, codes);
        for (int r = 0; r < 50; r++)
        {
            var f = TestSaes.Encode(original, x.AsSpan(r * D, D));
            for (int i = 0; i < M; i++) Assert.True(Math.Abs(codes[r * M + i] - f[i]) <= 1e-5 * (1 + Math.Abs(f[i])), $"{format} scorer row {r} feature {i}");
        }
    }

    [Fact]
    public void SaeLensExport_WritesSparsityAsLog10Frequencies_AndSparsifyExport_OneHookPointFolder()
    {
        var relu = Sae(SaeActivation.ReLU);
        var saelens = OutPath(SaeExportFormat.SaeLens);
        SaeExporter.Export(relu, SaeExportFormat.SaeLens, saelens);
        Assert.Equal(["cfg.json", "sae_weights.safetensors", "sparsity.safetensors"], Directory.GetFiles(saelens).Select(Path.GetFileName).Order());
        using (var sp = MLSae.Persistence.SafeTensors.SafeTensorsFile.Open(Path.Combine(saelens, "sparsity.safetensors")))
        {
            var log = sp.ReadSingles("sparsity", M);
            for (int i = 0; i < M; i++) Assert.Equal(Math.Log10(0.5 / (i + 1) + 1e-10), log[i], 5);
        }

        var topk = Sae(SaeActivation.TopK);
        var sparsify = OutPath(SaeExportFormat.Sparsify);
        SaeExporter.Export(topk, SaeExportFormat.Sparsify, sparsify);
        var hook = Assert.Single(Directory.GetDirectories(sparsify));
        Assert.Equal("blocks.3.hook_resid_post", Path.GetFileName(hook));
        Assert.Equal(["cfg.json", "sae.safetensors"], Directory.GetFiles(hook).Select(Path.GetFileName).Order());
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(hook, "cfg.json")));
        var cfg = doc.RootElement;
        Assert.Equal(("topk", M, 5, D), (cfg.GetProperty("activation").GetString(), cfg.GetProperty("num_latents").GetInt32(), cfg.GetProperty("k").GetInt32(), cfg.GetProperty("d_in").GetInt32()));
        using var st = MLSae.Persistence.SafeTensors.SafeTensorsFile.Open(Path.Combine(hook, "sae.safetensors"));
        Assert.Equal(["W_dec", "b_dec", "encoder.bias", "encoder.weight"], st.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(topk.EncoderWeights, st.ReadSingles("encoder.weight", M, D));   // nn.Linear's [out, in] is MLSae's feature-major layout
    }

    [Fact]
    public void WhatAFormatCannotExpress_IsRefusedBeforeAnythingIsWritten()
    {
        var path = OutPath(SaeExportFormat.Sparsify);
        var e = Assert.Throws<NotSupportedException>(() => SaeExporter.Export(Sae(SaeActivation.ReLU), SaeExportFormat.Sparsify, path));
        Assert.Contains("only TopK", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(path)!));

        var jump = Sae(SaeActivation.JumpReLU);
        jump.Thresholds![3] = -0.05f;   // MLSae: pre * (pre > t); SAELens: relu(pre) * (pre > t): they differ on (t, 0)
        path = OutPath(SaeExportFormat.SaeLens);
        e = Assert.Throws<NotSupportedException>(() => SaeExporter.Export(jump, SaeExportFormat.SaeLens, path));
        Assert.Contains("1 negative thresholds", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(path)!));

        var noHook = Sae(SaeActivation.TopK);
        noHook = noHook.WithInfo(noHook.Info with { HookName = null });
        path = OutPath(SaeExportFormat.Sparsify);
        Assert.Contains("SaeExportOptions.HookPoint", Assert.Throws<ArgumentException>(() => SaeExporter.Export(noHook, SaeExportFormat.Sparsify, path)).Message);
        SaeExporter.Export(noHook, SaeExportFormat.Sparsify, path, new SaeExportOptions { HookPoint = "layers.3" });
        Assert.True(File.Exists(Path.Combine(path, "layers.3", "sae.safetensors")));
    }

    [Fact]
    public void AnExistingOutput_IsKeptWithoutOverwrite_AndReplacedWholeWithIt()
    {
        var path = OutPath(SaeExportFormat.SaeLens);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "keep.txt"), "mine");
        Assert.Contains("already exists", Assert.Throws<IOException>(() => SaeExporter.Export(Sae(SaeActivation.ReLU), SaeExportFormat.SaeLens, path)).Message);
        Assert.Equal(["keep.txt"], Directory.GetFiles(path).Select(Path.GetFileName));

        SaeExporter.Export(Sae(SaeActivation.ReLU, seed: 7), SaeExportFormat.SaeLens, path, new SaeExportOptions { Overwrite = true });
        Assert.False(File.Exists(Path.Combine(path, "keep.txt")));   // the folder is replaced, not merged
        Assert.Equal(Sae(SaeActivation.ReLU, seed: 7).DecoderWeights, SaeLoader.Load(path).DecoderWeights);
        Assert.Equal([Path.GetFileName(path)], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(path)!).Select(Path.GetFileName));

        var onnx = OutPath(SaeExportFormat.Onnx);
        File.WriteAllText(onnx, "old");
        Assert.Throws<IOException>(() => SaeExporter.Export(Sae(SaeActivation.ReLU), SaeExportFormat.Onnx, onnx));
        Assert.Equal("old", File.ReadAllText(onnx));
    }

    [Fact]
    public void ExportCommand_ReadsAnySaeAndWritesEachFormat_FailingWithOneOnBadInput()
    {
        var dir = RepoPaths.NewTempDir("export-cli");
        var run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        var topk = Sae(SaeActivation.TopK);
        SaeOnnx.Save(topk, Path.Combine(run, RunFolder.Sae));
        var root = new RootCommand();
        foreach (var c in CommandCatalog.All()) root.Add(c);

        Assert.Equal(0, root.Parse(["export", "--sae", run, "--format", "sparsify", "--out", Path.Combine(dir, "sp")]).Invoke());
        Assert.Equal(0, root.Parse(["export", "--sae", Path.Combine(dir, "sp"), "--format", "saelens", "--out", Path.Combine(dir, "sl")]).Invoke());
        Assert.Equal(0, root.Parse(["export", "--sae", Path.Combine(dir, "sl"), "--format", "mlnet", "--out", Path.Combine(dir, "m.zip")]).Invoke());
        Assert.Equal(0, root.Parse(["export", "--sae", Path.Combine(dir, "m.zip"), "--format", "onnx", "--out", Path.Combine(dir, "m.onnx")]).Invoke());
        var back = SaeLoader.Load(Path.Combine(dir, "m.onnx"));   // run -> sparsify -> SAELens -> zip -> onnx
        Assert.Equal(topk.EncoderWeights, back.EncoderWeights);
        Assert.Equal(topk.Info.OriginalIndices, back.Info.OriginalIndices);

        Assert.Equal(1, ExportCommand.Run(Path.Combine(dir, "sl"), "onnx", Path.Combine(dir, "m.onnx")));                 // exists
        Assert.Equal(0, ExportCommand.Run(Path.Combine(dir, "sl"), "onnx", Path.Combine(dir, "m.onnx"), overwrite: true));
        Assert.Equal(1, ExportCommand.Run(dir, "onnx", Path.Combine(dir, "x.onnx")));                                      // no SAE format
        Assert.NotEqual(0, root.Parse(["export", "--sae", run, "--format", "parquet", "--out", Path.Combine(dir, "p")]).Invoke());
        var relu = Path.Combine(dir, "relu");
        SaeExporter.Export(Sae(SaeActivation.ReLU), SaeExportFormat.SaeLens, relu);
        Assert.Equal(1, ExportCommand.Run(relu, "sparsify", Path.Combine(dir, "relu-sp")));
        Assert.False(Directory.Exists(Path.Combine(dir, "relu-sp")));
        Assert.False(File.Exists(Path.Combine(dir, "x.onnx")));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(dir), e => Path.GetFileName(e).StartsWith('.'));
    }
}
