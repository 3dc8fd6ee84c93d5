namespace MLSae.Persistence;

/// <summary>
/// The files of a training run folder (`mlsae train --out RUNDIR`). Every command that takes
/// `--sae RUNDIR` finds the SAE through <see cref="SaePath"/>.
/// </summary>
public static class RunFolder
{
    /// <summary>The trained SAE as an MLSae ONNX graph (encode + decode, info in metadata).</summary>
    public const string Sae = "sae.onnx";
    /// <summary>The resolved training configuration.</summary>
    public const string Config = "config.json";
    /// <summary>Training metrics every N steps.</summary>
    public const string Metrics = "metrics.csv";
    /// <summary>Evaluation results (SAEBench schema).</summary>
    public const string Eval = "eval.json";

    /// <summary>The SAE file of run folder <paramref name="runDirectory"/>, or null when it has none.</summary>
    public static string? SaePath(string runDirectory)
    {
        var path = Path.Combine(runDirectory, Sae);
        return File.Exists(path) ? path : null;
    }
}
