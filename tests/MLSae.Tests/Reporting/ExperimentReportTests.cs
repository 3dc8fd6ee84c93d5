using MLSae.Reporting.Reports;

namespace MLSae.Tests.Reporting;

public class ExperimentReportTests
{
    [Fact]
    public void SummarizeMatchesHandComputedMeanAndSampleStd()
    {
        var s = SeedStatistics.Summarize([1.0, 2.0, 4.0]);
        Assert.Equal(7.0 / 3, s.Mean, 12);
        // deviations -4/3, -1/3, 5/3 -> squares 16/9 + 1/9 + 25/9 = 42/9, / (n-1) = 21/9
        Assert.Equal(Math.Sqrt(21.0 / 9), s.Std, 12);
        Assert.Equal(3, s.Count);
    }

    [Fact]
    public void CompareUsesTwoStandardErrors()
    {
        var control = new MLSae.Reporting.Plots.MeanStd(1.0, 0.1, 4);
        // se = sqrt(0.01/4 + 0.01/4) = 0.0707; 2 se = 0.1414
        Assert.Equal(Verdict.WithinSpread, SeedStatistics.Compare(new(1.14, 0.1, 4), control).Verdict);
        Assert.Equal(Verdict.BeyondSpread, SeedStatistics.Compare(new(1.15, 0.1, 4), control).Verdict);
        Assert.Equal(Verdict.NoSpreadEstimate, SeedStatistics.Compare(new(5.0, 0, 1), control).Verdict);
    }

    [Fact]
    public void ReportHasTableDifferencesAndPlots()
    {
        var runs = new List<RunResult>
        {
            new("none", null, new Dictionary<string, IReadOnlyList<double>> { ["l0"] = [10, 12], ["mse"] = [0.5, 0.5] }),
            new("once", "none", new Dictionary<string, IReadOnlyList<double>> { ["l0"] = [20, 22], ["mse"] = [0.5, 0.5] }),
        };
        var md = ExperimentReportWriter.Render("Seed runs", runs, ["plots/metrics_comparison.png"]);
        Assert.Contains("| once | 2 |", md);
        Assert.Contains("21.0000 ± 1.4142", md);           // mean 21, std sqrt(2)
        // Columns mse then l0 (TableMetrics order); l0: diff 10, se = sqrt(2/2 + 2/2) = 1.4142 -> beyond 2 se; mse: no difference.
        Assert.Contains("| once | none | +0.0000 ± 0.0000 | **+10.0000 ± 1.4142** | 1 of 2 |", md);
        Assert.Contains("![metrics_comparison](plots/metrics_comparison.png)", md);
    }
}
