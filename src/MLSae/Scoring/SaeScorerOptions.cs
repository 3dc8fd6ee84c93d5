using MLSae.Onnx;

namespace MLSae.Scoring;

/// <summary>What <see cref="SaeScorer.Score"/> writes.</summary>
public enum ScoreOutputFormat
{
    /// <summary>From the output file's extension: .parquet is Parquet, anything else CSV.</summary>
    Auto,
    /// <summary>Comma-separated text with a header line.</summary>
    Csv,
    /// <summary>Apache Parquet, one row group per batch.</summary>
    Parquet,
}

/// <summary>What encodes the rows.</summary>
public enum ScoringEngine
{
    /// <summary>MLSae's batched ONNX Runtime session (fast; CUDA when available).</summary>
    OnnxRuntime,
    /// <summary>ML.NET <c>Model.Load</c> + Transform of a saved model zip, one row per session run (slow; for checking compatibility).</summary>
    MLNet,
}

/// <summary>How <see cref="SaeScorer"/> runs and what it writes.</summary>
public sealed record SaeScorerOptions
{
    /// <summary>Creates options with the defaults in <see cref="SaeScorerDefaults"/>.</summary>
    public SaeScorerOptions() { }

    /// <summary>Rows per ONNX Runtime run.</summary>
    public int BatchSize { get; init; } = SaeScorerDefaults.BatchSize;
    /// <summary>
    /// 0: sparse output, one (row, feature, value) entry per non-zero feature.
    /// k &gt; 0: dense top-k, exactly k (row, rank, feature, value) entries per row, largest first.
    /// </summary>
    public int TopK { get; init; } = SaeScorerDefaults.TopK;
    /// <summary>Output format.</summary>
    public ScoreOutputFormat Format { get; init; } = SaeScorerDefaults.Format;
    /// <summary>Replace an existing output file instead of refusing.</summary>
    public bool Overwrite { get; init; } = SaeScorerDefaults.Overwrite;
    /// <summary>What encodes the rows; <see cref="ScoringEngine.MLNet"/> needs an ML.NET model zip (<see cref="SaeScorer.Open"/>).</summary>
    public ScoringEngine Engine { get; init; } = ScoringEngine.OnnxRuntime;
    /// <summary>Device and threads.</summary>
    public OnnxExecutionOptions Execution { get; init; } = new();
    /// <summary>
    /// Score with only the first N features of the SAE's current order (prefix deployment; `mlsae reorder
    /// --prefix-curves` says what each N costs); 0 scores every feature.
    /// </summary>
    public int KeepFeatures { get; init; } = SaeScorerDefaults.KeepFeatures;
}

/// <summary>Default values of <see cref="SaeScorerOptions"/>.</summary>
public static class SaeScorerDefaults
{
    /// <summary>4096 rows per run.</summary>
    public const int BatchSize = 4096;
    /// <summary>Sparse output.</summary>
    public const int TopK = 0;
    /// <summary>From the extension.</summary>
    public const ScoreOutputFormat Format = ScoreOutputFormat.Auto;
    /// <summary>Refuse existing files.</summary>
    public const bool Overwrite = false;
    /// <summary>Every feature.</summary>
    public const int KeepFeatures = 0;
}
