using System.CommandLine;
using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Models;

namespace MLSae.Tests.Ordering;

public class ReorderCommandTests
{
    sealed class FakeIo(SaeWeights weights, IActivationSource source) : IReorderCommandIo
    {
        public SaeWeights? Saved;
        public string? SavedTo;
        public SaeWeights LoadSae(string runDirectory) => weights;
        public IActivationSource OpenActivations(string directory) => source;
        public void SaveSae(SaeWeights w, string sourceRunDirectory, string outDirectory) { Saved = w; SavedTo = outDirectory; }
    }

    [Fact]
    public void ReordersThroughTheWiringPointAndWritesPrefixCurves()
    {
        var w = PostHocTestData.RandomSae(6, 20, 51);
        var x = PostHocTestData.RandomRows(100, 6, 52);
        var io = new FakeIo(w, new InMemoryActivationSource(x, 6));
        var outDir = RepoPaths.NewTempDir();
        var previous = ReorderCommand.Io;
        ReorderCommand.Io = io;
        try
        {
            var root = new RootCommand { ReorderCommand.Create() };
            int code = root.Parse(["reorder", "--sae", "in", "--activations", "acts", "--by", "frequency", "--out", outDir, "--prefix-curves"]).Invoke();
            Assert.Equal(0, code);
            Assert.Equal(outDir, io.SavedTo);
            var saved = io.Saved!;
            var freq = saved.Info.FeatureFrequencies!;
            for (int j = 1; j < freq.Length; j++) Assert.True(freq[j - 1] >= freq[j]);
            var orig = saved.Info.OriginalIndices!;
            for (int j = 0; j < 20; j++) Assert.Equal(w.DecoderRow(orig[j]).ToArray(), saved.DecoderRow(j).ToArray());
            var csv = File.ReadAllLines(Path.Combine(outDir, "prefix_curves.csv"));
            Assert.Equal("ordering,features,mse,explained_variance", csv[0]);
            Assert.Equal(1 + 5 * 6, csv.Length);   // 5 orderings x grid {1,2,4,8,16,20}

            Assert.Equal(1, root.Parse(["reorder", "--sae", "in", "--activations", "acts", "--by", "bogus", "--out", outDir]).Invoke());
        }
        finally
        {
            ReorderCommand.Io = previous;
            Directory.Delete(outDir, true);
        }
    }
}
