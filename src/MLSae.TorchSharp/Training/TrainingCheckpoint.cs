using System.Text.Json;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.SafeTensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Training;

/// <summary>Trainer state outside the tensors, stored as JSON in the checkpoint's metadata.</summary>
sealed record TrainerState
{
    public long Step { get; init; }
    public long Tokens { get; init; }
    public long TotalSteps { get; init; }
    public double Scale { get; init; }
    public double AdaptiveNormAverage { get; init; }
    public TargetL0ControllerState? TargetL0Controller { get; init; }
    public ulong RngState { get; init; }
    public string BatchSource { get; init; } = "";
    public Dictionary<string, string> Observers { get; init; } = [];
    public string Architecture { get; init; } = "";
    public int InputDim { get; init; }
    public int FeatureCount { get; init; }
}

/// <summary>
/// One file, <c>checkpoint.safetensors</c>, written atomically: module parameters and buffers,
/// Adam moments and step counts, and <see cref="TrainerState"/>. Exact float32 round trip, so a resume is bit-for-bit.
/// </summary>
static class TrainingCheckpoint
{
    const string StateKey = "mlsae.trainer_state";
    // Added after checkpoints were first written; older checkpoints lack it and resume with the identity.
    const string OriginalIndexBuffer = "original_index";

    /// <summary>
    /// Deletes checkpoint temp files (".checkpoint.safetensors.{pid}.{guid}.tmp", see AtomicFile) whose writing
    /// process is gone: a checkpoint write killed half-way leaves one, and nothing else would ever remove it.
    /// </summary>
    public static int DeleteStaleTemporaries(string runDirectory)
    {
        if (!Directory.Exists(runDirectory)) return 0;
        int deleted = 0;
        foreach (var path in Directory.EnumerateFiles(runDirectory, $".{RunFolder.Checkpoint}.*.tmp"))
        {
            var parts = Path.GetFileName(path)[(RunFolder.Checkpoint.Length + 2)..].Split('.');
            bool alive = parts.Length == 3 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out int pid) && IsRunning(pid);
            if (alive) continue;
            File.Delete(path);
            deleted++;
        }
        return deleted;
    }

    static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }   // no such process
        catch (InvalidOperationException) { return false; }
    }

    public static void Save(string path, SaeModule module, Adam optimizer, TrainerState state)
    {
        var writer = new SafeTensorsWriter();
        foreach (var (name, p) in module.named_parameters()) AddTensor(writer, "module." + name, p);
        foreach (var (name, b) in module.named_buffers()) AddTensor(writer, "module." + name, b);
        var states = optimizer.state_dict().State;
        for (int i = 0; i < states.Count; i++)
        {
            var s = (Adam.State)states[i];
            AddTensor(writer, $"adam.{i}.exp_avg", s.exp_avg);
            AddTensor(writer, $"adam.{i}.exp_avg_sq", s.exp_avg_sq);
            writer.AddMetadata($"adam.{i}.step", s.step.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        writer.AddMetadata(StateKey, JsonSerializer.Serialize(state));
        writer.Save(path);
    }

    public static TrainerState Load(string path, SaeModule module, Adam optimizer)
    {
        using var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(StateKey, out var json))
            throw new InvalidDataException($"'{path}' is not an MLSae training checkpoint (no trainer state). Start a fresh run (resume: false).");
        var state = JsonSerializer.Deserialize<TrainerState>(json)!;
        if (state.InputDim != module.InputDim || state.FeatureCount != module.FeatureCount || state.Architecture != module.Architecture.ToString())
            throw new InvalidDataException($"Checkpoint '{path}' is {state.Architecture} d={state.InputDim} m={state.FeatureCount}, but the options ask for " +
                $"{module.Architecture} d={module.InputDim} m={module.FeatureCount}. Resume with the run's config.json or train into a new run folder.");
        using var _ = no_grad();
        foreach (var (name, p) in module.named_parameters()) ReadTensor(file, "module." + name, p);
        foreach (var (name, b) in module.named_buffers())
            if (file.Contains("module." + name) || name != OriginalIndexBuffer) ReadTensor(file, "module." + name, b);
            else MLSae.Diagnostics.MLSaeLog.Info($"checkpoint '{path}' predates original-index tracking: dead-feature resampling after this resume follows the current feature order");
        var states = optimizer.state_dict().State;
        for (int i = 0; i < states.Count; i++)
        {
            var s = (Adam.State)states[i];
            ReadTensor(file, $"adam.{i}.exp_avg", s.exp_avg);
            ReadTensor(file, $"adam.{i}.exp_avg_sq", s.exp_avg_sq);
            s.step = long.Parse(file.Metadata[$"adam.{i}.step"], System.Globalization.CultureInfo.InvariantCulture);
        }
        return state;
    }

    static void AddTensor(SafeTensorsWriter writer, string name, Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        var shape = c.shape.ToArray();
        if (c.dtype == ScalarType.Int64) writer.Add(name, c.data<long>().ToArray(), shape);
        else if (c.dtype == ScalarType.Float32) writer.Add(name, c.data<float>().ToArray(), shape);
        else throw new NotSupportedException($"Checkpoint tensor {name} has dtype {c.dtype}; only float32 and int64 are stored.");
    }

    static void ReadTensor(SafeTensorsFile file, string name, Tensor target)
    {
        if (!file.Contains(name)) throw new InvalidDataException($"Checkpoint '{file.Path}' lacks tensor '{name}'; it was written by a different module layout.");
        using var src = target.dtype == ScalarType.Int64
            ? tensor(file.ReadInt64s(name), dtype: ScalarType.Int64)
            : tensor(file.ReadSingles(name));
        target.copy_(src.reshape(target.shape));
    }
}
