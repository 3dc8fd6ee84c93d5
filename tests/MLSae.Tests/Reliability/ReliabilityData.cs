using System.Diagnostics;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Ordering;
using MLSae.Runs;
using MLSae.Training;

namespace MLSae.Tests.Reliability;

/// <summary>Tiny synthetic caches and runs, and a way to run the mlsae CLI in a fresh process.</summary>
static class ReliabilityData
{
    public const int D = 8;

    /// <summary>Gaussian rows (seeded), so a tiny SAE trains without surprises.</summary>
    public static float[] Rows(int rows, int d = D, int seed = 5)
    {
        var rng = new Random(seed);
        var x = new float[rows * d];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return x;
    }

    /// <summary>A complete cache of <paramref name="rows"/> Gaussian rows in shards of 100; <paramref name="poison"/> puts a value at (row, column).</summary>
    public static string MakeCache(int rows = 400, (int Row, int Column, float Value)? poison = null, ActivationDType dtype = ActivationDType.Float32,
        bool complete = true, string? dir = null)
    {
        dir ??= RepoPaths.NewTempDir("mlsae-cache");
        var x = Rows(rows);
        if (poison is { } p) x[p.Row * D + p.Column] = p.Value;
        var w = ActivationCacheWriter.Create(dir, new ActivationCacheWriterOptions
        {
            Model = "test-model", Hook = "blocks.0.hook_resid_post", Dimension = D, DType = dtype, Context = 16, RowsPerShard = 100,
        });
        try
        {
            w.Append(new ActivationChunk(x, new int[rows], new long[rows], new int[rows], D));
            if (complete) w.Complete();
        }
        finally
        {
            w.Dispose();
        }
        return dir;
    }

    /// <summary>A small, fast run configuration (a standard SAE, 4 steps of 32 tokens, m = 16).</summary>
    public static TrainRunConfig Config(SaeTrainingOptions? training = null) => new(
        training ?? new SaeTrainingOptions
        {
            Architecture = Models.SaeArchitecture.Standard, FeatureCount = 16, Steps = 4, BatchSize = 32, WarmupSteps = 1, SparsityWarmupSteps = 1, InitSampleRows = 64,
            LogEvery = 1, CheckpointEvery = 2, TuneAllocator = false,
        },
        new ReorderOptions());

    /// <summary>The same options for `mlsae train --config`.</summary>
    public static string ConfigFile(string dir)
    {
        var path = Path.Combine(dir, "train-config.json");
        File.WriteAllText(path, """{ "Architecture": "Standard", "InitSampleRows": 64, "TuneAllocator": false, "LogEvery": 1, "CheckpointEvery": 2, "SparsityWarmupSteps": 1 }""");
        return path;
    }

    /// <summary>Flags of a small CLI training run (with <see cref="ConfigFile"/>).</summary>
    public static string[] TrainArgs(string cache, string runDir, string config, params string[] extra) =>
        ["train", "--activations", cache, "--out", runDir, "--config", config, "--d-sae", "16", "--steps", "4", "--batch-size", "32", "--warmup-steps", "1", .. extra];

    /// <summary>Trains <see cref="Config"/> into a new run folder and returns it.</summary>
    public static string FinishedRun()
    {
        var dir = RepoPaths.NewTempDir("mlsae-run");
        TrainRun.Execute(new InMemoryActivationSource(Rows(400), D), Config(), dir);
        return dir;
    }

    /// <summary>Every file of a folder with its bytes, to show that nothing changed.</summary>
    public static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir).Where(f => !Path.GetFileName(f).StartsWith(".mlsae.lock", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    public static void AssertUnchanged(Dictionary<string, byte[]> before, string dir)
    {
        var after = Snapshot(dir);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
    }

    public sealed record CliResult(int Exit, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {Exit}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>Runs the mlsae CLI (MLSae.Cli.dll beside the tests) in a fresh process with redirected output.</summary>
    public static CliResult RunCli(params string[] args) => RunCli(TimeSpan.FromMinutes(2), args);

    /// <summary><see cref="RunCli(string[])"/> that must finish within <paramref name="timeout"/>.</summary>
    public static CliResult RunCli(TimeSpan timeout, params string[] args)
    {
        using var p = StartCli(redirectInput: false, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"mlsae {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:F0} s");
        }
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts mlsae (the build beside the tests) in a fresh process with standard output and error (and, when asked, input) redirected.</summary>
    public static Process StartCli(bool redirectInput, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = redirectInput, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MLSae.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment.Remove("MLSAE_DEBUG");
        return Process.Start(psi)!;
    }

    /// <summary>
    /// The contract for a failed command: exit code 1, standard error holds one line "mlsae CMD: error: ..." with no
    /// stack trace or .NET/library internals, and standard output carries no error.
    /// </summary>
    public static string AssertOneLineError(CliResult r, string command)
    {
        Assert.True(r.Exit == 1, r.ToString());
        // Standard error may also hold progress lines and "mlsae: " notes; the error is one line, the last, and there is no stack trace.
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length > 0, r.ToString());
        Assert.True(lines.Count(l => l.Contains(": error: ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)) == 1, r.ToString());
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
        Assert.StartsWith($"mlsae {command}: error: ", lines[^1]);
        Assert.DoesNotContain("(Parameter '", lines[^1]);
        Assert.DoesNotMatch(@"\w+Options\.\w+", lines[^1]);
        Assert.DoesNotContain("unexpected", lines[^1]);
        Assert.DoesNotContain("error", r.Stdout, StringComparison.OrdinalIgnoreCase);
        return lines[^1];
    }
}
