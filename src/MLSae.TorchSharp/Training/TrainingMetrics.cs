using System.Globalization;
using CsvHelper;
using MLSae.Persistence;

namespace MLSae.Training;

/// <summary>
/// One row of <c>metrics.csv</c>. Loss terms are in the trainer's normalised space; MSE is
/// mean over tokens and dimensions of (x - x_hat)^2 in raw units; L0/L1 are per token over the whole step.
/// </summary>
public sealed record TrainingMetrics
{
    /// <summary>Optimizer step.</summary>
    public long Step { get; init; }
    /// <summary>Tokens trained on so far.</summary>
    public long Tokens { get; init; }
    /// <summary>Total loss of the step.</summary>
    public double Loss { get; init; }
    /// <summary>Reconstruction term (last micro-batch).</summary>
    public double ReconstructionLoss { get; init; }
    /// <summary>Sparsity term (last micro-batch).</summary>
    public double SparsityLoss { get; init; }
    /// <summary>Auxiliary (AuxK) term (last micro-batch).</summary>
    public double AuxiliaryLoss { get; init; }
    /// <summary>Mean active features per token.</summary>
    public double L0 { get; init; }
    /// <summary>Mean sum of codes per token.</summary>
    public double L1 { get; init; }
    /// <summary>Mean squared error per element, raw units (last micro-batch).</summary>
    public double Mse { get; init; }
    /// <summary>1 - sum ||x - x_hat||^2 / sum ||x - mean x||^2 over the last micro-batch.</summary>
    public double ExplainedVariance { get; init; }
    /// <summary>Fraction of features that have not fired for DeadFeatureTokens tokens.</summary>
    public double DeadFraction { get; init; }
    /// <summary>Fraction of features firing on more than DenseFrequency of tokens since the last row.</summary>
    public double DenseFraction { get; init; }
    /// <summary>Learning rate of the step.</summary>
    public double LearningRate { get; init; }
    /// <summary>Sparsity coefficient of the step (after warm-up and adaptive scaling).</summary>
    public double SparsityCoefficient { get; init; }
    /// <summary>Training throughput since the last row.</summary>
    public double TokensPerSecond { get; init; }
}

/// <summary>Keeps the metric rows of a run and rewrites <c>metrics.csv</c> atomically.</summary>
sealed class MetricsLog(string? path)
{
    readonly List<TrainingMetrics> _rows = [];

    public IReadOnlyList<TrainingMetrics> Rows => _rows;

    /// <summary>On resume: keep the rows up to the checkpoint's step.</summary>
    public void LoadUpTo(long step)
    {
        if (path is null || !File.Exists(path)) return;
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        _rows.AddRange(csv.GetRecords<TrainingMetrics>().Where(r => r.Step <= step));
    }

    public void Add(TrainingMetrics row)
    {
        _rows.Add(row);
        if (path is null) return;
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            csv.WriteRecords(_rows);
        });
    }
}
