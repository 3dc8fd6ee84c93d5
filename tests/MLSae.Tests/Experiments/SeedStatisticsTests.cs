using MLSae.Reporting.Plots;
using MLSae.Reporting.Reports;

namespace MLSae.Tests.Experiments;

public class SeedStatisticsTests
{
    static (double Mean, double Std) Reference(double[] v)
    {
        double sum = 0;
        for (int i = 0; i < v.Length; i++) sum += v[i];
        double mean = sum / v.Length, ss = 0;
        for (int i = 0; i < v.Length; i++) ss += (v[i] - mean) * (v[i] - mean);
        return (mean, v.Length > 1 ? Math.Sqrt(ss / (v.Length - 1)) : 0);
    }

    [Fact]
    public void MeanAndSampleStdMatchAPlainLoop()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = 1 + rng.Next(8);
            var v = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 1000 - 500).ToArray();
            var (mean, std) = Reference(v);
            var s = SeedStatistics.Summarize(v);
            Assert.Equal(n, s.Count);
            Assert.Equal(mean, s.Mean, 1e-9);   // absolute, values up to 500
            Assert.Equal(std, s.Std, 1e-9);
        }
    }

    [Fact]
    public void NaNSeedsAreSkippedAndNoValuesGiveNaN()
    {
        var s = SeedStatistics.Summarize([2.0, double.NaN, 4.0]);
        Assert.Equal((3.0, Math.Sqrt(2), 2), (s.Mean, s.Std, s.Count));
        var none = SeedStatistics.Summarize([double.NaN]);
        Assert.True(double.IsNaN(none.Mean));
        Assert.Equal(0, none.Count);
    }

    [Fact]
    public void DifferencesAndStandardErrorsMatchAPlainLoop()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            var a = Enumerable.Range(0, 2 + rng.Next(4)).Select(_ => rng.NextDouble()).ToArray();
            var b = Enumerable.Range(0, 2 + rng.Next(4)).Select(_ => rng.NextDouble() + 0.3 * rng.NextDouble()).ToArray();
            var (ma, sa) = Reference(a);
            var (mb, sb) = Reference(b);
            double se = Math.Sqrt(sa * sa / a.Length + sb * sb / b.Length);
            var c = SeedStatistics.Compare(SeedStatistics.Summarize(a), SeedStatistics.Summarize(b));
            Assert.Equal(ma - mb, c.Difference, 1e-12);
            Assert.Equal(se, c.StandardError, 1e-12);
            Assert.Equal(Math.Abs(ma - mb) > 2 * se ? Verdict.BeyondSpread : Verdict.WithinSpread, c.Verdict);
        }
    }

    [Fact]
    public void DifferenceCellsMarkOnlyDifferencesBeyondTwoStandardErrors()
    {
        // se = sqrt(0.04/3 + 0.04/3) = 0.163299; 2 se = 0.3266
        var control = new MeanStd(1.0, 0.2, 3);
        Assert.Equal("+0.3000 ± 0.1633", ExperimentReportWriter.DifferenceCell(SeedStatistics.Compare(new MeanStd(1.3, 0.2, 3), control)));
        Assert.Equal("**-0.4000 ± 0.1633**", ExperimentReportWriter.DifferenceCell(SeedStatistics.Compare(new MeanStd(0.6, 0.2, 3), control)));
        Assert.Equal("+0.5000 (one seed)", ExperimentReportWriter.DifferenceCell(SeedStatistics.Compare(new MeanStd(1.5, 0, 1), control)));
        Assert.Equal("17", ExperimentReportWriter.Format(new MeanStd(17, 0, 3)));            // a count equal in every seed
        Assert.Equal("1.23e-5 ± 4.00e-6", ExperimentReportWriter.Format(new MeanStd(1.234e-5, 4e-6, 3)));
    }
}
