using System.Globalization;
using ScottPlot;

namespace MLSae.Reporting.Plots;

/// <summary>
/// Ticks for an axis whose data are log10 values, labelled with the values themselves (0.01, 0.2, 1e-5).
/// Major ticks at m x 10^k for the densest mantissa set that fits (steps of 0.1, 0.2, 0.5, then 1-9, 1-2-5, 1),
/// so an axis spanning a fraction of a decade still gets several labels (ScottPlot's integer-only ticks leave
/// it blank); minor ticks from the next denser set.
/// </summary>
internal sealed class LogTickGenerator : ITickGenerator
{
    // Densest first: the first set whose ticks fit is used, the set before it gives the minor ticks.
    static readonly double[][] s_mantissas =
    [
        Steps(0.1), Steps(0.2), Steps(0.5), [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 5], [1],
    ];

    static double[] Steps(double step) => Enumerable.Range(0, (int)Math.Round(9 / step)).Select(i => Math.Round(1 + i * step, 1)).ToArray();

    /// <inheritdoc />
    public Tick[] Ticks { get; set; } = [];

    /// <inheritdoc />
    public int MaxTickCount { get; set; } = 1000;

    /// <summary>Label of a major tick at log10 value x; defaults to <see cref="Format"/>.</summary>
    public Func<double, string> LabelFormatter { get; set; } = Format;

    /// <inheritdoc />
    public void Regenerate(CoordinateRange range, Edge edge, PixelLength size, Paint paint, LabelStyle labelStyle)
    {
        double lo = range.Min, hi = range.Max;
        if (!(hi > lo) || !double.IsFinite(lo) || !double.IsFinite(hi) || hi - lo > 300)
        {
            Ticks = [];
            return;
        }
        // Room per label: its height on a vertical axis, about four characters on a horizontal one.
        float perLabel = edge.IsVertical() ? labelStyle.FontSize * 2.2f : labelStyle.FontSize * 4.5f;
        int maxMajor = Math.Clamp((int)(size.Length / perLabel), 2, MaxTickCount);
        List<double> majors = [];
        int chosen = 0;
        for (; chosen < s_mantissas.Length; chosen++)
        {
            majors = Positions(lo, hi, s_mantissas[chosen], 1);
            if (majors.Count <= maxMajor) break;
        }
        if (chosen == s_mantissas.Length)
        {
            chosen--;
            majors = Positions(lo, hi, [1], (int)Math.Ceiling(majors.Count / (double)maxMajor));
        }
        var ticks = majors.Select(m => Tick.Major(m, LabelFormatter(m))).ToList();
        if (chosen > 0 && hi - lo < 12)
            foreach (var m in Positions(lo, hi, s_mantissas[chosen - 1], 1))
                if (!majors.Any(x => Math.Abs(x - m) < 1e-9)) ticks.Add(Tick.Minor(m));
        Ticks = [.. ticks];
    }

    /// <summary>log10(mantissa x 10^k) inside [lo, hi] for every decade k divisible by <paramref name="decadeStep"/>.</summary>
    static List<double> Positions(double lo, double hi, double[] mantissas, int decadeStep)
    {
        var list = new List<double>();
        for (int k = (int)Math.Floor(lo) - 1; k <= (int)Math.Ceiling(hi); k++)
        {
            if (((k % decadeStep) + decadeStep) % decadeStep != 0) continue;
            foreach (var m in mantissas)
            {
                double p = k + Math.Log10(m);
                if (p >= lo && p <= hi) list.Add(p);
            }
        }
        return list;
    }

    /// <summary>10^x as plain decimals from 0.001 to 9999, else as 1e-5 / 2e+4.</summary>
    public static string Format(double log10)
    {
        double v = Math.Pow(10, log10);
        return v >= 1e-3 && v < 1e4
            ? v.ToString("0.####", CultureInfo.InvariantCulture)
            : v.ToString("0.#e+0", CultureInfo.InvariantCulture);
    }
}
