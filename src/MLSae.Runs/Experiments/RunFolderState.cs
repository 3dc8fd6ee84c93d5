using System.Text.Json.Nodes;
using MLSae.Evaluation;
using MLSae.Persistence;
using MLSae.Runs;

namespace MLSae.Runs.Experiments;

/// <summary>How far one run x seed got.</summary>
public enum RunStage
{
    /// <summary>Nothing usable in the folder: train from the start.</summary>
    NotStarted,
    /// <summary>A checkpoint but no SAE: resume training from the checkpoint.</summary>
    Interrupted,
    /// <summary>The SAE exists but was not evaluated: evaluate only.</summary>
    Trained,
    /// <summary>Trained and evaluated: skip.</summary>
    Evaluated,
}

/// <summary>Reads a run folder to decide what is left to do, refusing a folder trained with another configuration.</summary>
public static class RunFolderState
{
    /// <summary>The trainer's checkpoint file (MLSae.Training.RunFolder.Checkpoint, internal to MLSae.TorchSharp).</summary>
    public const string CheckpointFile = "checkpoint.safetensors";

    /// <summary>What is left to do in <paramref name="runDirectory"/> for <paramref name="expected"/>.</summary>
    /// <exception cref="InvalidOperationException">The folder holds a run with a different configuration.</exception>
    public static RunStage Inspect(string runDirectory, TrainRunConfig expected, ExperimentEvalOptions eval)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var configPath = Path.Combine(runDirectory, RunFolder.RunConfig);
        if (!File.Exists(configPath)) return RunStage.NotStarted;
        var stored = TrainRun.LoadConfig(runDirectory);
        if (FirstDifference(stored.ToJson(), expected.ToJson(), "") is { } diff)
            throw new InvalidOperationException(
                $"'{runDirectory}' holds a run trained with another configuration ({diff}). Use a new output folder, " +
                "or delete that run folder to train it again (quick and full runs cannot share an output folder).");
        bool sae = File.Exists(Path.Combine(runDirectory, RunFolder.Sae));
        bool evaluated = File.Exists(Path.Combine(runDirectory, RunFolder.Eval))
            && (!eval.PrefixCurves || File.Exists(Path.Combine(runDirectory, RunFolder.PrefixCurves)));
        if (sae && evaluated) return RunStage.Evaluated;
        if (sae) return RunStage.Trained;
        if (File.Exists(Path.Combine(runDirectory, CheckpointFile))) return RunStage.Interrupted;
        return RunStage.NotStarted;
    }

    /// <summary>"Steps: 400 in the folder, 10000 now" for the first member that differs; null when equal.</summary>
    public static string? FirstDifference(JsonNode? stored, JsonNode? expected, string path)
    {
        if (JsonNode.DeepEquals(stored, expected)) return null;
        if (stored is JsonObject a && expected is JsonObject b)
        {
            foreach (var name in a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key)))
                if (FirstDifference(a[name], b[name], path.Length == 0 ? name : $"{path}.{name}") is { } d) return d;
            return null;
        }
        return $"{(path.Length == 0 ? "config" : path)}: {stored?.ToJsonString() ?? "missing"} in the folder, {expected?.ToJsonString() ?? "missing"} now";
    }
}
