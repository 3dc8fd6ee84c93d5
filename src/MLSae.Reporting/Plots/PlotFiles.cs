using MLSae.Persistence;
using ScottPlot;

namespace MLSae.Reporting.Plots;

/// <summary>Shared look and atomic PNG output for every MLSae plot.</summary>
public static class PlotFiles
{
    /// <summary>Default image width in pixels (readable at 100% zoom).</summary>
    public const int Width = 1000;
    /// <summary>Default image height in pixels.</summary>
    public const int Height = 650;

    /// <summary>A plot with readable font sizes for titles, labels and ticks.</summary>
    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        Style(plot, title, xLabel, yLabel);
        return plot;
    }

    /// <summary>Applies MLSae's font sizes and labels to <paramref name="plot"/>.</summary>
    public static void Style(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Title(title, size: 20);
        plot.XLabel(xLabel, size: 16);
        plot.YLabel(yLabel, size: 16);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
    }

    /// <summary>Log-scale y axis for data already given as log10 values (see <see cref="LogTickGenerator"/>).</summary>
    public static void LogY(Plot plot) => plot.Axes.Left.TickGenerator = new LogTickGenerator();

    /// <summary>Log-scale x axis for data already given as log10 values.</summary>
    public static void LogX(Plot plot) => plot.Axes.Bottom.TickGenerator = new LogTickGenerator();

    /// <summary>Line patterns cycled over series, so series that coincide still show.</summary>
    public static LinePattern SeriesPattern(int index) => (index % 3) switch
    {
        0 => LinePattern.Solid,
        1 => LinePattern.Dashed,
        _ => LinePattern.Dotted,
    };

    /// <summary>Line widths decreasing over series (earlier series drawn wider underneath later ones).</summary>
    public static float SeriesWidth(int index, int count) => Math.Max(1.5f, 2f + 2.5f * (count - 1 - index) / Math.Max(1, count - 1));

    static readonly ScottPlot.Palettes.Category10 s_palette = new();

    /// <summary>The colour of series <paramref name="index"/> (Category10, repeating).</summary>
    public static Color SeriesColor(int index) => s_palette.GetColor(index);

    /// <summary>Renders <paramref name="plot"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(Plot plot, string path, int width = Width, int height = Height) =>
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));

    /// <summary>log10 of a frequency, with zero (dead) clamped to <paramref name="floor"/>.</summary>
    public static double Log10Clamped(double value, double floor = 1e-7) => Math.Log10(Math.Max(value, floor));
}
