using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MLSae.Benchmarks;

/// <summary>Achieved GFLOP/s = FLOP per operation (from the case) / mean time per operation.</summary>
sealed class GflopsColumn(Func<BenchmarkCase, double> flopPerOperation) : IColumn
{
    public string Id => "GFLOP/s";
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Achieved GFLOP/s: FLOP per operation (2Bdm for the product, 10Bdm for a step) / mean time";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (stats is null || stats.Mean <= 0) return "-";
        return (flopPerOperation(benchmarkCase) / stats.Mean).ToString("F1"); // FLOP / ns = GFLOP/s
    }
}
