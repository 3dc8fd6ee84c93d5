namespace MLSae.Persistence;

/// <summary>
/// The layout of a training run folder (`mlsae train --out RUNDIR`): every file name a run folder holds is
/// spelled here and only here. It sits in the lowest project that needs the names (<see cref="Scoring.SaeLoader"/>
/// finds RUNDIR/sae.onnx; the trainer in MLSae.TorchSharp writes config.json, metrics.csv and the checkpoint);
/// the writers and readers of each file (TrainRun, RunEvaluation, PrefixCurveFile, the experiment runner) use
/// these names. Every command that takes `--sae RUNDIR` finds the SAE through <see cref="SaePath"/>.
/// </summary>
public static class RunFolder
{
    /// <summary>The trained SAE as an MLSae ONNX graph (encode + decode, info in metadata).</summary>
    public const string Sae = "sae.onnx";
    /// <summary>The resolved run configuration: training options plus an "Ordering" object (TrainRunConfig).</summary>
    public const string RunConfig = "run.json";
    /// <summary>The trainer's resolved options (SaeTrainingOptions).</summary>
    public const string Config = "config.json";
    /// <summary>Training metrics every N steps.</summary>
    public const string Metrics = "metrics.csv";
    /// <summary>The trainer's checkpoint (weights, optimizer state, counters) that a resume continues from.</summary>
    public const string Checkpoint = "checkpoint.safetensors";
    /// <summary>The feature tracker's append-only history of per-feature statistics.</summary>
    public const string FeatureHistory = "feature_history.bin";
    /// <summary>Feature-order stability over training, computed from <see cref="FeatureHistory"/>.</summary>
    public const string Stability = "stability.csv";
    /// <summary>Evaluation results (SAEBench schema).</summary>
    public const string Eval = "eval.json";
    /// <summary>Per-feature table of `mlsae eval` (density, top activating contexts), one JSON object a line.</summary>
    public const string Features = "features.jsonl";
    /// <summary>Explained variance of the first k features under several orders (reorder --prefix-curves, experiments).</summary>
    public const string PrefixCurves = "prefix_curves.csv";

    /// <summary>How long the experiment runner spent training and evaluating the run (experiment run folders only; kept on overwrite).</summary>
    public const string ExperimentTiming = "experiment_timing.json";

    /// <summary>Every file a training run (and `mlsae eval` into it) writes; overwriting a run deletes exactly these, nothing else.</summary>
    public static IReadOnlyList<string> RunFiles { get; } =
        [RunConfig, Config, Metrics, Checkpoint, Sae, Eval, FeatureHistory, Stability, Features, PrefixCurves];

    /// <summary>The SAE file of run folder <paramref name="runDirectory"/>, or null when it has none.</summary>
    public static string? SaePath(string runDirectory)
    {
        var path = Path.Combine(runDirectory, Sae);
        return File.Exists(path) ? path : null;
    }
}
