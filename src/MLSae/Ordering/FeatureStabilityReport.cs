using System.Globalization;
using System.Text;
using MLSae.Persistence;

namespace MLSae.Ordering;

/// <summary>
/// A run's feature-stability table, <c>stability.csv</c>: for each frequency snapshot of the history, the
/// fraction of the top-n features (by firing frequency, original indices) that are still top-n in the next
/// snapshot and in the final one. Written beside <c>feature_history.bin</c> at the end of training.
/// </summary>
public static class FeatureStabilityReport
{
    /// <summary>The n of "top-n" reported by default; values larger than m are skipped.</summary>
    public static readonly int[] DefaultTopN = [10, 100, 1000];

    /// <summary>
    /// The table as CSV text: columns <c>step, tokens, top{n}_vs_next, top{n}_vs_final</c> for each n
    /// (the last row has an empty <c>vs_next</c>).
    /// </summary>
    public static string ToCsv(FeatureHistory history, IReadOnlyList<int>? topN = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var ns = (topN ?? DefaultTopN).Where(n => n >= 1 && n <= history.FeatureCount).ToArray();
        var next = FeatureStability.Consecutive(history.Frequencies, ns);
        var final = FeatureStability.VersusFinal(history.Frequencies, ns);
        var csv = new StringBuilder("step,tokens");
        foreach (var n in ns) csv.Append(CultureInfo.InvariantCulture, $",top{n}_vs_next,top{n}_vs_final");
        csv.Append('\n');
        for (int s = 0; s < history.Frequencies.Count; s++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{history.Steps[s]},{history.Tokens[s]}");
            for (int t = 0; t < ns.Length; t++)
            {
                csv.Append(',');
                if (s < next[t].Length) csv.Append(next[t][s].ToString("R", CultureInfo.InvariantCulture));
                csv.Append(',').Append(final[t][s].ToString("R", CultureInfo.InvariantCulture));
            }
            csv.Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>Writes <c>stability.csv</c> into <paramref name="runDirectory"/> from its feature history; false when there is none.</summary>
    public static bool Write(string runDirectory)
    {
        var historyPath = Path.Combine(runDirectory, RunFolder.FeatureHistory);
        if (!File.Exists(historyPath)) return false;
        var history = FeatureHistoryFile.Read(historyPath);
        if (history.Frequencies.Count == 0) return false;
        AtomicFile.WriteAllText(Path.Combine(runDirectory, RunFolder.Stability), ToCsv(history));
        return true;
    }
}
