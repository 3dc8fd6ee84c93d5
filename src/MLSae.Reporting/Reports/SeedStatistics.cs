using MLSae.Reporting.Plots;

namespace MLSae.Reporting.Reports;

/// <summary>Aggregates per-seed values and compares runs honestly.</summary>
public static class SeedStatistics
{
    /// <summary>Mean and sample standard deviation (n - 1) of <paramref name="values"/>; NaN values are skipped.</summary>
    public static MeanStd Summarize(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToArray();
        if (v.Length == 0) return new MeanStd(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new MeanStd(mean, std, v.Length);
    }

    /// <summary>
    /// Compares <paramref name="run"/> with <paramref name="control"/>: the difference of means, its
    /// standard error sqrt(s1^2/n1 + s2^2/n2), and a verdict. A difference counts as larger than
    /// seed-to-seed spread when it exceeds twice its standard error (about a 95% interval for
    /// normal noise); with fewer than two seeds on either side there is no spread to judge by.
    /// </summary>
    public static Comparison Compare(MeanStd run, MeanStd control)
    {
        double diff = run.Mean - control.Mean;
        if (run.Count < 2 || control.Count < 2)
            return new Comparison(diff, double.NaN, Verdict.NoSpreadEstimate);
        double se = Math.Sqrt(run.Std * run.Std / run.Count + control.Std * control.Std / control.Count);
        var verdict = se == 0 ? (diff == 0 ? Verdict.WithinSpread : Verdict.BeyondSpread)
            : Math.Abs(diff) > 2 * se ? Verdict.BeyondSpread : Verdict.WithinSpread;
        return new Comparison(diff, se, verdict);
    }
}

/// <summary>Whether a difference stands out from seed-to-seed noise.</summary>
public enum Verdict
{
    /// <summary>|difference| &lt;= 2 standard errors.</summary>
    WithinSpread,
    /// <summary>|difference| &gt; 2 standard errors.</summary>
    BeyondSpread,
    /// <summary>Fewer than two seeds on a side.</summary>
    NoSpreadEstimate,
}

/// <summary>A run-vs-control comparison of one metric.</summary>
/// <param name="Difference">Run mean minus control mean.</param>
/// <param name="StandardError">Standard error of the difference (NaN without spread).</param>
/// <param name="Verdict">How the difference compares with the spread.</param>
public readonly record struct Comparison(double Difference, double StandardError, Verdict Verdict);
