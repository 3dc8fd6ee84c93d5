using System.Text.Json.Nodes;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Training;

namespace MLSae.Runs;

/// <summary>
/// What a training run may do to its folder before it writes: refuse to replace a run without
/// overwrite, clear the old run's files when it may, refuse a resume whose options differ from the
/// run's, and delete temp files a killed process left. Called with the folder locked.
/// </summary>
public static class TrainRunFolder
{
    /// <summary>
    /// Options that may change on resume: they decide how often metrics and checkpoints are written and the
    /// allocator tuning, and the device (a run started on CUDA may resume on the CPU; results agree to float32 rounding),
    /// never what the model computes. Any other difference is refused.
    /// </summary>
    public static IReadOnlySet<string> ChangeableOnResume { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        nameof(SaeTrainingOptions.LogEvery), nameof(SaeTrainingOptions.CheckpointEvery), nameof(SaeTrainingOptions.TuneAllocator),
        nameof(SaeTrainingOptions.Device),
    };

    /// <summary>True when <paramref name="runDirectory"/> holds a trained SAE or a checkpoint: work that a fresh run would destroy.</summary>
    public static bool HoldsRun(string runDirectory) =>
        File.Exists(Path.Combine(runDirectory, RunFolder.Sae)) || File.Exists(Path.Combine(runDirectory, RunFolder.Checkpoint));

    /// <summary>
    /// Readies <paramref name="runDirectory"/> for a run of <paramref name="config"/>. A fresh run (no resume) over a folder
    /// holding a run is refused unless <paramref name="overwrite"/>, which first deletes the old run's files (<see cref="RunFolder.RunFiles"/>).
    /// A resume is refused when run.json records different options (all differences listed). Stale temp files are deleted.
    /// </summary>
    /// <exception cref="IOException">The folder holds a run and neither resume nor overwrite was asked for.</exception>
    /// <exception cref="ArgumentException">Resume and overwrite together, or a resume with different options.</exception>
    public static void Prepare(string runDirectory, TrainRunConfig config, bool resume, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (resume && overwrite) throw new ArgumentException("Pass either resume: true (continue the run) or overwrite: true (replace it), not both.");
        var dir = Path.GetFullPath(runDirectory);
        DeleteStaleTemporaries(dir);
        if (resume)
        {
            if (!File.Exists(Path.Combine(dir, RunFolder.Checkpoint)))
                throw new FileNotFoundException($"resume: true, but '{dir}' holds no checkpoint ({RunFolder.Checkpoint}) to continue from. Start fresh (resume: false).");
            var stored = Path.Combine(dir, RunFolder.RunConfig);
            if (File.Exists(stored) && Differences(TrainRun.LoadConfig(dir), config) is { Count: > 0 } diffs)
                throw new ArgumentException($"resume: true, but the run in '{dir}' was trained with other options: {string.Join("; ", diffs)}. " +
                    $"Resume with the run's options (only {string.Join(", ", ChangeableOnResume.Order(StringComparer.Ordinal))} may change), or train into a new run folder.");
            return;
        }
        if (HoldsRun(dir) && !overwrite)
            throw new IOException($"'{dir}' already holds a training run ({Describe(dir)}). Pass resume: true to continue it, overwrite: true to replace it, or choose another run folder.");
        // A fresh run: nothing of an older run may stay beside the new model (an old stability.csv, eval.json...).
        foreach (var name in RunFolder.RunFiles)
            File.Delete(Path.Combine(dir, name));
    }

    /// <summary>"K: 16 in the run, 8 now" for every option that differs, except those in <see cref="ChangeableOnResume"/>.</summary>
    public static IReadOnlyList<string> Differences(TrainRunConfig stored, TrainRunConfig requested)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(requested);
        var list = new List<string>();
        Compare(stored.ToJson(), requested.ToJson(), "", list);
        return list;
    }

    static void Compare(JsonNode? a, JsonNode? b, string path, List<string> into)
    {
        if (JsonNode.DeepEquals(a, b) || ChangeableOnResume.Contains(path)) return;
        if (a is JsonObject x && b is JsonObject y)
        {
            foreach (var name in x.Select(kv => kv.Key).Union(y.Select(kv => kv.Key)))
                Compare(x[name], y[name], path.Length == 0 ? name : $"{path}.{name}", into);
            return;
        }
        into.Add($"{(path.Length == 0 ? "config" : path)}: {a?.ToJsonString() ?? "missing"} in the run, {b?.ToJsonString() ?? "missing"} now");
    }

    /// <summary>
    /// Deletes the temp files of atomic writes (".{name}.{pid}.{guid}.tmp") that a killed process left in the folder.
    /// Safe only with the folder locked: then no other process is writing them.
    /// </summary>
    public static void DeleteStaleTemporaries(string runDirectory)
    {
        if (!Directory.Exists(runDirectory)) return;
        foreach (var path in Directory.EnumerateFiles(runDirectory, ".*.tmp"))
            if (RunFolder.RunFiles.Any(f => Path.GetFileName(path).StartsWith("." + f + ".", StringComparison.Ordinal)))
                File.Delete(path);
    }

    static string Describe(string dir)
    {
        var parts = new List<string>();
        if (File.Exists(Path.Combine(dir, RunFolder.Sae))) parts.Add($"a trained {RunFolder.Sae}");
        if (File.Exists(Path.Combine(dir, RunFolder.Checkpoint))) parts.Add("a checkpoint");
        return string.Join(" and ", parts);
    }
}
