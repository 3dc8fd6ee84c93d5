using MLSae.Ordering;
using MLSae.Persistence;

namespace MLSae.Tests.Ordering;

/// <summary>stability.csv against overlaps counted by hand.</summary>
public class FeatureStabilityReportTests
{
    [Fact]
    public void CsvHoldsTopNOverlapsWithTheNextAndTheFinalSnapshot()
    {
        // m = 4. Top-2 by frequency: s0 {0,1}, s1 {1,2}, s2 {2,3}. Top-1: s0 {0}, s1 {2}, s2 {2}.
        float[][] snapshots =
        [
            [0.9f, 0.8f, 0.1f, 0.0f],
            [0.1f, 0.7f, 0.9f, 0.2f],
            [0.0f, 0.1f, 0.9f, 0.5f],
        ];
        var history = new FeatureHistory(4, [100, 200, 300], [1000, 2000, 3000], [0, 0, 0], snapshots);
        var lines = FeatureStabilityReport.ToCsv(history, [1, 2, 5]).TrimEnd('\n').Split('\n');

        Assert.Equal("step,tokens,top1_vs_next,top1_vs_final,top2_vs_next,top2_vs_final", lines[0]);   // n = 5 > m is skipped
        // s0: top1 {0} vs s1 {2}: 0; vs final {2}: 0. top2 {0,1} vs {1,2}: 1/2; vs {2,3}: 0.
        Assert.Equal("100,1000,0,0,0.5,0", lines[1]);
        // s1: top1 {2} vs {2}: 1; vs final 1. top2 {1,2} vs {2,3}: 1/2; vs final 1/2.
        Assert.Equal("200,2000,1,1,0.5,0.5", lines[2]);
        // s2: no next; vs itself 1.
        Assert.Equal("300,3000,,1,,1", lines[3]);
    }

    [Fact]
    public void WriteReturnsFalseWithoutAHistory()
    {
        var dir = RepoPaths.NewTempDir();
        Assert.False(FeatureStabilityReport.Write(dir));
        Assert.False(File.Exists(Path.Combine(dir, RunFolder.Stability)));
    }
}
