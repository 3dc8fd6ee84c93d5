using MLSae.Reporting.Plots;
using SkiaSharp;

namespace MLSae.Tests.Reporting;

public class PlotTests
{
    static readonly string Dir = RepoPaths.NewTempDir("mlsae-plots");

    static float[] ZipfFrequencies(int m, int dead)
    {
        var f = new float[m];
        for (int i = 0; i < m - dead; i++) f[i] = 0.3f / (i + 1);
        return f;
    }

    [Fact]
    public void FrequencyPlotIsAPngOfTheRequestedSizeWithContent()
    {
        var path = Path.Combine(Dir, "activation_dist_step_1000.png");
        FeatureFrequencyPlot.Save(path, ZipfFrequencies(512, 40), 1000, "test");
        AssertPng(path, PlotFiles.Width, PlotFiles.Height);
    }

    [Fact]
    public void HistoryPlotRejectsMismatchedSnapshotsAndDrawsValidOnes()
    {
        var steps = new long[] { 100, 200, 300 };
        var snaps = steps.Select((s, k) => ZipfFrequencies(64, 4).Select((f, i) => f * (1 + 0.1f * k * (i % 3))).ToArray()).ToList();
        Assert.Throws<ArgumentException>(() => ActivationHistoryPlot.Save(Path.Combine(Dir, "bad.png"), [100, 200], snaps, []));
        var path = Path.Combine(Dir, "activation_history_step_300.png");
        ActivationHistoryPlot.Save(path, steps, snaps, [200]);
        AssertPng(path, PlotFiles.Width, PlotFiles.Height);
    }

    [Fact]
    public void DensityPrefixAndComparisonPlotsRender()
    {
        var density = Path.Combine(Dir, "density.png");
        DensityHistogramPlot.Save(density, ZipfFrequencies(1000, 100));
        AssertPng(density, PlotFiles.Width, PlotFiles.Height);

        var prefix = Path.Combine(Dir, "prefix_curves.png");
        PrefixCurvePlot.Save(prefix, [new("frequency", [1, 10, 100], [0.1, 0.5, 0.9]), new("random", [1, 10, 100], [0.01, 0.2, 0.9])]);
        AssertPng(prefix, PlotFiles.Width, PlotFiles.Height);

        var comparison = Path.Combine(Dir, "metrics_comparison.png");
        var runs = new[] { "none", "once", "periodic" }.Select((name, i) => new RunMetricsSummary(name, new Dictionary<string, MeanStd>
        {
            ["final_loss"] = new(1 + i, 0.1, 3), ["l0"] = new(30 + i, 2, 3), ["l1"] = new(200, 10, 3),
            ["mse"] = new(0.01, 0.001, 3), ["cossim"] = new(0.95, 0.01, 3), ["explained_variance"] = new(0.9, 0.02, 3),
        })).ToList();
        MetricsComparisonPlot.Save(comparison, runs, 1600, 1100);
        AssertPng(comparison, 1600, 1100);
    }

    static void AssertPng(string path, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        // A rendered plot has many colours (text, lines, bars); a blank or failed render has one or two.
        var colours = new HashSet<uint>();
        for (int y = 0; y < height; y += 7)
            for (int x = 0; x < width; x += 7)
                colours.Add((uint)bitmap.GetPixel(x, y));
        Assert.True(colours.Count > 20, $"{path} looks blank ({colours.Count} distinct colours sampled).");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }
}
