using System.Globalization;
using System.Text;
using MLSae.Ordering;
using MLSae.Persistence;

namespace MLSae.Runs;

/// <summary>One prefix-curve point of prefix_curves.csv.</summary>
/// <param name="Ordering">original (as trained), frequency, mean_activation, importance or random.</param>
/// <param name="Features">n, features kept.</param>
/// <param name="Mse">Per-element MSE with the first n features.</param>
/// <param name="ExplainedVariance">Explained variance with the first n features.</param>
public readonly record struct PrefixCurveRow(string Ordering, int Features, double Mse, double ExplainedVariance);

/// <summary>
/// A run folder's <see cref="RunFolder.PrefixCurves"/> table (ordering,features,mse,explained_variance; invariant
/// culture, doubles round-trip): written by `mlsae reorder --prefix-curves` and by <see cref="RunEvaluation"/>,
/// read back by the experiment report.
/// </summary>
public static class PrefixCurveFile
{
    /// <summary>Writes <paramref name="curves"/> atomically to prefix_curves.csv in <paramref name="directory"/>; returns the path.</summary>
    public static string Write(string directory, IReadOnlyList<PrefixCurve> curves)
    {
        var path = Path.Combine(directory, RunFolder.PrefixCurves);
        AtomicFile.WriteAllText(path, ToCsv(curves));
        return path;
    }

    /// <summary>ordering,features,mse,explained_variance rows (invariant culture).</summary>
    public static string ToCsv(IReadOnlyList<PrefixCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var sb = new StringBuilder("ordering,features,mse,explained_variance\n");
        foreach (var c in curves)
            foreach (var p in c.Points)
                sb.Append(CultureInfo.InvariantCulture, $"{c.Name},{p.Features},{p.Mse:R},{p.ExplainedVariance:R}\n");
        return sb.ToString();
    }

    /// <summary>Reads the prefix_curves.csv of <paramref name="directory"/>; empty when the run has none.</summary>
    public static IReadOnlyList<PrefixCurveRow> Read(string directory)
    {
        var path = Path.Combine(directory, RunFolder.PrefixCurves);
        if (!File.Exists(path)) return [];
        var rows = new List<PrefixCurveRow>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var c = line.Split(',');
            if (c.Length < 4) continue;
            rows.Add(new PrefixCurveRow(c[0], int.Parse(c[1], CultureInfo.InvariantCulture),
                double.Parse(c[2], CultureInfo.InvariantCulture), double.Parse(c[3], CultureInfo.InvariantCulture)));
        }
        return rows;
    }
}
