using MLSae.Activations;
using MLSae.Ordering;
using MLSae.Training;

namespace MLSae.Transforms;

/// <summary>Settings of <see cref="SaeTrainerEstimator"/>: columns, training, in-training ordering and how the data is read.</summary>
public sealed record TrainSaeOptions
{
    /// <summary>Creates options with the defaults in <see cref="TrainSaeDefaults"/>, <see cref="SaeTrainingDefaults"/> and <see cref="ReorderDefaults"/>.</summary>
    public TrainSaeOptions() { }

    /// <summary>The SAE code column of the fitted transformer: a vector of m floats.</summary>
    public string OutputColumnName { get; init; } = TrainSaeDefaults.OutputColumnName;
    /// <summary>The activation column trained on and read by the fitted transformer: a known-size vector of d floats, one row per token.</summary>
    public string InputColumnName { get; init; } = TrainSaeDefaults.InputColumnName;
    /// <summary>The reconstruction column of the fitted transformer: a vector of d floats.</summary>
    public string ReconstructionColumnName { get; init; } = TrainSaeDefaults.ReconstructionColumnName;
    /// <summary>Architecture, size, loss, schedule, steps, batch and seed (the seed also drives the data shuffle).</summary>
    public SaeTrainingOptions Training { get; init; } = new();
    /// <summary>Feature tracking and in-training reordering (the strategy is none by default: tracking only).</summary>
    public ReorderOptions Ordering { get; init; } = new();
    /// <summary>
    /// Rows copied into memory before training when the data view has at most this many (rows x d x 4 bytes,
    /// plus a shuffle buffer); larger views are streamed through a cursor once per epoch. 0 always streams.
    /// </summary>
    public long MaxInMemoryRows { get; init; } = TrainSaeDefaults.MaxInMemoryRows;
    /// <summary>Rows shuffled together (a full permutation when the training rows fit in it).</summary>
    public int ShuffleBufferRows { get; init; } = TrainSaeDefaults.ShuffleBufferRows;
    /// <summary>Optional run folder: run.json, config.json, metrics.csv, checkpoints and sae.onnx are written there.</summary>
    public string? RunDirectory { get; init; }
    /// <summary>The model the activations came from, recorded in the SAE's metadata (e.g. "minilm-l6").</summary>
    public string? ModelName { get; init; }
    /// <summary>The hook the activations came from, recorded in the SAE's metadata (e.g. "blocks.3.hook_resid_pre").</summary>
    public string? HookName { get; init; }
    /// <summary>GPU for the fitted transformer's ONNX scoring; null runs on CPU.</summary>
    public int? GpuDeviceId { get; init; }
    /// <summary>Fall back to CPU when that GPU cannot be used.</summary>
    public bool FallbackToCpu { get; init; } = SaeTransformerDefaults.FallbackToCpu;

    /// <summary>The column names and device of the fitted <see cref="SaeTransformer"/>.</summary>
    public SaeTransformerOptions Columns => new()
    {
        OutputColumnName = OutputColumnName, InputColumnName = InputColumnName, ReconstructionColumnName = ReconstructionColumnName,
        GpuDeviceId = GpuDeviceId, FallbackToCpu = FallbackToCpu,
    };
}

/// <summary>Default values of <see cref="TrainSaeOptions"/>.</summary>
public static class TrainSaeDefaults
{
    /// <summary>"Features".</summary>
    public const string OutputColumnName = SaeTransformerDefaults.OutputColumnName;
    /// <summary>"Activation".</summary>
    public const string InputColumnName = SaeTransformerDefaults.InputColumnName;
    /// <summary>"Reconstruction".</summary>
    public const string ReconstructionColumnName = SaeTransformerDefaults.ReconstructionColumnName;
    /// <summary>262,144 rows: 384 MiB at d = 384, 768 MiB at d = 768.</summary>
    public const long MaxInMemoryRows = 262_144;
    /// <summary>65,536 rows (96 MiB at d = 384), as the activation store.</summary>
    public const int ShuffleBufferRows = ActivationStoreDefaults.ShuffleBufferRows;
}
