using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Runs;
using MLSae.Tests.Scoring;
using static MLSae.Tests.Reliability.ReliabilityData;

namespace MLSae.Tests.Reliability;

/// <summary>The mlsae CLI in fresh processes: data-loss refusals, one-line errors on standard error, script-friendly output.</summary>
[Trait("Category", "Integration")]
public class CliReliabilityTests
{
    [Fact]
    public void TrainOverAFinishedRun_IsRefusedWithoutOverwrite_ThenReplacedWithIt()
    {
        var dir = RepoPaths.NewTempDir();
        var cache = MakeCache(dir: Path.Combine(dir, "cache"));
        var cfg = ConfigFile(dir);
        var run = Path.Combine(dir, "run");
        var first = RunCli(TrainArgs(cache, run, cfg));
        Assert.True(first.Exit == 0, first.ToString());
        File.WriteAllText(Path.Combine(run, RunFolder.Eval), "{}");   // evaluated: a later run must not leave this beside its model
        var before = Snapshot(run);

        var again = RunCli(TrainArgs(cache, run, cfg, "--seed", "9"));
        Assert.Contains("already holds a training run", AssertOneLineError(again, "train"));
        AssertUnchanged(before, run);

        // A rejected option must not rewrite run.json / config.json either (k 1000 > m 16).
        var bad = RunCli(TrainArgs(cache, run, cfg, "--arch", "topk", "--k", "1000", "--overwrite"));
        Assert.Contains("--k = 1000 exceeds the number of features m = 16", AssertOneLineError(bad, "train"));
        AssertUnchanged(before, run);

        var replaced = RunCli(TrainArgs(cache, run, cfg, "--seed", "9", "--overwrite"));
        Assert.True(replaced.Exit == 0, replaced.ToString());
        Assert.False(File.Exists(Path.Combine(run, RunFolder.Eval)));
        Assert.Equal(9, TrainRun.LoadConfig(run).Training.Seed);
    }

    [Theory]
    [InlineData("train", "--no-such-option")]
    [InlineData("train", "--steps", "many")]
    [InlineData("compare", "--sae")]
    public void ParseErrorsAreOneLineOnStandardError_WithNothingOnStandardOutput(params string[] args)
    {
        var r = RunCli(args);
        AssertOneLineError(r, args[0]);
        Assert.True(r.Stdout.Trim().Length == 0, r.ToString());
    }

    [Fact]
    public void TrainIntoAFolderAnotherProcessHolds_FailsAtOnceNamingThatProcess()
    {
        var dir = RepoPaths.NewTempDir();
        var cache = MakeCache(dir: Path.Combine(dir, "cache"));
        var run = Path.Combine(dir, "run");
        using (FolderLock.Acquire(run, "train"))
        {
            var r = RunCli(TrainArgs(cache, run, ConfigFile(dir)));
            Assert.Contains($"in use by another mlsae process (pid {Environment.ProcessId} on {Environment.MachineName}, train", AssertOneLineError(r, "train"));
            Assert.False(File.Exists(Path.Combine(run, RunFolder.RunConfig)));
        }
    }

    [Fact]
    public void ResumeNeedsOnlyTheFolder_AndRefusesChangedOptionsListingThem()
    {
        var dir = RepoPaths.NewTempDir();
        var cache = MakeCache(dir: Path.Combine(dir, "cache"));
        var run = Path.Combine(dir, "run");
        Assert.Equal(0, RunCli(TrainArgs(cache, run, ConfigFile(dir), "--arch", "topk", "--k", "4")).Exit);
        var before = Snapshot(run);
        var changed = RunCli("train", "--activations", cache, "--out", run, "--resume", "--k", "8", "--lr", "0.001");
        var line = AssertOneLineError(changed, "train");
        Assert.Contains("K: 4 in the run, 8 now", line);
        Assert.Contains("LearningRate: 0.0003 in the run, 0.001 now", line);
        AssertUnchanged(before, run);
        var same = RunCli("train", "--activations", cache, "--out", run, "--resume");   // run.json supplies the options
        Assert.True(same.Exit == 0, same.ToString());
    }

    [Fact]
    public void PrecisionReachesTheRunAndCannotChangeOnResume()
    {
        var dir = RepoPaths.NewTempDir();
        var cache = MakeCache(dir: Path.Combine(dir, "cache"));
        var run = Path.Combine(dir, "run");
        var trained = RunCli(TrainArgs(cache, run, ConfigFile(dir), "--precision", "bf16"));
        Assert.True(trained.Exit == 0, trained.ToString());
        Assert.Equal(MLSae.Training.TrainingPrecision.Bf16, TrainRun.LoadConfig(run).Training.Precision);
        var before = Snapshot(run);
        var changed = RunCli("train", "--activations", cache, "--out", run, "--resume", "--precision", "fp32");
        var refused = AssertOneLineError(changed, "train");
        Assert.True(refused.Contains("Precision: \"Bf16\" in the run, \"Fp32\" now", StringComparison.Ordinal), refused);
        AssertUnchanged(before, run);
        var bad = RunCli(TrainArgs(cache, Path.Combine(dir, "other"), ConfigFile(dir), "--precision", "fp16"));
        Assert.Contains("--precision 'fp16' is not one of: fp32 | bf16", AssertOneLineError(bad, "train"));
    }

    [Theory]
    [InlineData("--l1", "-1", "--l1 must be a finite number >= 0")]
    [InlineData("--tokens", "-1", "--tokens must be positive")]
    [InlineData("--d-sae", "-1", "--d-sae must be positive")]
    [InlineData("--lr", "nan", "--lr must be a positive number (got NaN)")]
    [InlineData("--batch-size", "0", "--batch-size must be positive")]
    public void BadTrainingValues_AreNamedErrorsWithTheFlag(string flag, string value, string expected)
    {
        var dir = RepoPaths.NewTempDir();
        var cache = MakeCache(dir: Path.Combine(dir, "cache"));
        var run = Path.Combine(dir, "run");
        var r = RunCli("train", "--activations", cache, "--out", run, "--arch", "standard", flag, value, "--steps", "2");
        Assert.Contains(expected, AssertOneLineError(r, "train"));
        Assert.False(File.Exists(Path.Combine(run, RunFolder.RunConfig)));
    }

    /// <summary>Every command on bad input: one named line on standard error, exit code 1, nothing on standard output that looks like an error.</summary>
    [Fact]
    public void EveryCommand_OnBadInput_EndsWithOneNamedErrorLineAndExitCode1()
    {
        var dir = RepoPaths.NewTempDir();
        var missing = Path.Combine(dir, "missing");
        var sae = Path.Combine(dir, "sae.onnx");
        SaeOnnx.Save(TestSaes.Random(SaeActivation.TopK, d: D, m: 16, seed: 3, k: 4), sae);
        var incomplete = MakeCache(complete: false, dir: Path.Combine(dir, "incomplete"));
        var notJson = Path.Combine(dir, "bad.json");
        File.WriteAllText(notJson, "{ not json");
        var cases = new (string Command, string[] Args, string Expect)[]
        {
            ("score", ["score", "--sae", sae, "--activations", incomplete, "--out", Path.Combine(dir, "codes.csv")], "incomplete"),
            ("score", ["score", "--sae", sae, "--out", Path.Combine(dir, "codes.csv")], "pass exactly one of"),
            ("eval", ["eval", "--sae", sae, "--activations", incomplete, "--out", Path.Combine(dir, "eval")], "incomplete"),
            ("reorder", ["reorder", "--sae", missing, "--activations", incomplete, "--out", Path.Combine(dir, "r")], "does not exist"),
            ("train", ["train", "--activations", incomplete, "--out", Path.Combine(dir, "run")], "incomplete"),
            ("train", ["train", "--activations", missing, "--out", Path.Combine(dir, "run")], missing),
            ("train", ["train", "--activations", incomplete, "--out", Path.Combine(dir, "run"), "--config", notJson], "bad.json"),
            ("extract", ["extract", "--hook", "blocks.0.hook_resid_post", "--data", missing, "--out", Path.Combine(dir, "x")], missing),
            ("inspect", ["inspect", "--model", "onnx:" + missing], missing),
            ("experiment", ["experiment", "--config", missing, "--out", Path.Combine(dir, "e")], missing),
            ("import-hf", ["import-hf", "--checkpoint", missing, "--out", Path.Combine(dir, "m.onnx")], missing),
            ("fetch", ["fetch", "org/model", "--endpoint", "http://127.0.0.1:9", "--cache", Path.Combine(dir, "hub"), "--out", Path.Combine(dir, "m", "model.onnx")], "127.0.0.1"),
            ("compare", ["compare", "--sae", sae, "--sae", missing], missing),
            ("truncate", ["truncate", "--sae", missing, "--keep", "4", "--out", Path.Combine(dir, "t")], missing),
            ("export", ["export", "--sae", missing, "--format", "onnx", "--out", Path.Combine(dir, "x.onnx")], missing),
            ("score", ["score", "--sae", sae, "--data", missing, "--out", Path.Combine(dir, "c.csv"), "--top-k", "-1"], "--top-k must be 0"),
            ("eval", ["eval", "--sae", sae, "--activations", incomplete, "--out", Path.Combine(dir, "ev"), "--batch-size", "0"], "--batch-size must be positive"),
            ("train", ["train", "--activations", incomplete, "--out", Path.Combine(dir, "run"), "--arch", "bogus"], "is not one of: standard | jumprelu | topk | batchtopk | matryoshka"),
        };
        foreach (var (command, args, expect) in cases)
        {
            var r = RunCli(args);
            var line = AssertOneLineError(r, command);
            Assert.True(line.Contains(expect, StringComparison.Ordinal), $"{string.Join(' ', args)}: expected '{expect}' in: {line}");
        }
    }

    [Fact]
    public void NonFiniteActivations_AreNamedByShardAndRow_ByScoreEvalAndTrain()
    {
        var dir = RepoPaths.NewTempDir();
        var cache = MakeCache(poison: (250, 3, float.NaN), dir: Path.Combine(dir, "cache"));
        var sae = Path.Combine(dir, "sae.onnx");
        SaeOnnx.Save(TestSaes.Random(SaeActivation.TopK, d: D, m: 16, seed: 3, k: 4), sae);
        const string where = "shard 2 (";
        var score = RunCli("score", "--sae", sae, "--activations", cache, "--out", Path.Combine(dir, "codes.csv"));
        var line = AssertOneLineError(score, "score");
        Assert.Contains(where, line);
        Assert.Contains("row 50 (cache row 250) holds NaN in column 3", line);
        Assert.Contains("activation data is at fault", line);
        Assert.False(File.Exists(Path.Combine(dir, "codes.csv")));
        Assert.Contains("row 50 (cache row 250) holds NaN", AssertOneLineError(RunCli("eval", "--sae", sae, "--activations", cache, "--out", Path.Combine(dir, "eval")), "eval"));
        var cfg = ConfigFile(dir);
        // Normalisation off, as in the issue: this used to run to a NaN loss, blame the learning rate and claim a checkpoint.
        File.WriteAllText(cfg, """{ "Architecture": "Standard", "InitSampleRows": 64, "TuneAllocator": false, "NormalizeActivations": false }""");
        var train = RunCli("train", "--activations", cache, "--out", Path.Combine(dir, "run"), "--config", cfg, "--d-sae", "16", "--steps", "40", "--batch-size", "32");
        Assert.Contains("row 50 (cache row 250) holds NaN", AssertOneLineError(train, "train"));
        Assert.DoesNotContain("checkpoint", train.Stderr);
    }

    [Fact]
    public void ACorruptOnnxEntryInAModelZip_IsReportedAsCorrupt()
    {
        var dir = RepoPaths.NewTempDir();
        var bytes = SaeOnnx.Export(TestSaes.Random(SaeActivation.TopK, d: D, m: 16, seed: 3, k: 4));
        var zip = Path.Combine(dir, "model.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using (var s = archive.CreateEntry("TransformerChain/Transform_000/OnnxModel").Open())
            {
                var half = bytes[..(bytes.Length / 2)];   // a truncated graph: the write was cut off
                s.Write(BitConverter.GetBytes(half.Length));
                s.Write(half);
            }
            archive.CreateEntry("TransformerChain/Transform_000/Model.key").Open().Dispose();
        }
        var r = RunCli("score", "--sae", zip, "--data", zip, "--out", Path.Combine(dir, "c.csv"));
        var line = AssertOneLineError(r, "score");
        Assert.Contains("is corrupt", line);
        Assert.Contains("TransformerChain/Transform_000/OnnxModel", line);
    }

    [Fact]
    public void RedirectedOutputIsNotWrapped_AndInspectDoctorPrintJson()
    {
        var json = RunCli("inspect", "--json");
        Assert.True(json.Exit == 0, json.ToString());
        var model = JsonNode.Parse(json.Stdout)!.AsObject();
        var hooks = model["hooks"]!.AsArray().Select(h => (Hook: (string)h!["hook"]!, Tensor: (string)h["tensor"]!)).ToList();
        Assert.Contains(hooks, h => h.Hook == "blocks.5.hook_resid_post");

        var table = RunCli("inspect");
        Assert.True(table.Exit == 0, table.ToString());
        var lines = table.Stdout.Split('\n');
        foreach (var (hook, tensor) in hooks)   // each hook on one line with its tensor: `mlsae inspect | grep HOOK` finds it whole
            Assert.Contains(lines, l => l.Contains(hook, StringComparison.Ordinal) && l.Contains(tensor, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Length > 80);

        var doctor = RunCli("doctor", "--json");
        var checks = JsonNode.Parse(doctor.Stdout)!.AsObject();
        Assert.Equal(doctor.Exit == 0, (bool)checks["ok"]!);
        Assert.Equal(2, checks["checks"]!.AsArray().Count);
    }

    [Fact]
    public void EvalJson_PrintsEvalJsonOnStandardOutputOnly()
    {
        var dir = RepoPaths.NewTempDir();
        var cache = MakeCache(dir: Path.Combine(dir, "cache"));
        var sae = Path.Combine(dir, "sae.onnx");
        SaeOnnx.Save(TestSaes.Random(SaeActivation.TopK, d: D, m: 16, seed: 3, k: 4), sae);
        var outDir = Path.Combine(dir, "eval");
        var r = RunCli("eval", "--sae", sae, "--activations", cache, "--out", outDir, "--json", "--top-examples", "0");
        Assert.True(r.Exit == 0, r.ToString());
        var printed = JsonNode.Parse(r.Stdout);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "eval.json")));
        Assert.True(JsonNode.DeepEquals(printed, written), r.Stdout);
        Assert.Equal(400, (long)printed!["eval_result_metrics"]!["token_stats"]!["total_tokens_eval_reconstruction"]!);
    }
}
