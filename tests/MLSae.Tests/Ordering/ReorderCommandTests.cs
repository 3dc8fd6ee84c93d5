using System.CommandLine;
using MLSae.Cli.Commands;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Persistence.SafeTensors;
using MLSae.Scoring;

namespace MLSae.Tests.Ordering;

public class ReorderCommandTests
{
    [Fact]
    public void ReordersARunFolder_ByFrequency_IntoAnEquivalentSaeWithOriginalIndices()
    {
        const int d = 6, m = 20, n = 300;
        var w = PostHocTestData.RandomSae(d, m, 51) ;
        var x = PostHocTestData.RandomRows(n, d, 52);
        var dir = RepoPaths.NewTempDir();
        var runDir = Path.Combine(dir, "run");
        Directory.CreateDirectory(runDir);
        SaeOnnx.Save(w, Path.Combine(runDir, RunFolder.Sae));
        var acts = Path.Combine(dir, "acts.safetensors");
        new SafeTensorsWriter().Add("activations", x, [n, d]).Save(acts);
        var outDir = Path.Combine(dir, "run-ordered");

        var root = new RootCommand { ReorderCommand.Create() };
        int code = root.Parse(["reorder", "--sae", runDir, "--activations", acts, "--by", "frequency", "--out", outDir, "--prefix-curves"]).Invoke();
        Assert.Equal(0, code);
        var saved = SaeLoader.Load(outDir);

        // Frequencies of the new features, computed independently (double-precision encode of the reloaded SAE).
        var fires = new int[m];
        for (int r = 0; r < n; r++)
        {
            var f = PostHocTestData.Encode(saved, x, r);
            for (int i = 0; i < m; i++) if (f[i] > 0) fires[i]++;
        }
        for (int j = 1; j < m; j++) Assert.True(fires[j - 1] >= fires[j], $"feature {j - 1} fires {fires[j - 1]}x, feature {j} {fires[j]}x");
        Assert.True(fires[0] > fires[m - 1], "the random SAE should have features of different frequency");
        for (int j = 0; j < m; j++) Assert.True(Math.Abs(fires[j] / (double)n - saved.Info.FeatureFrequencies![j]) <= 1e-6);

        // Original indices map back to the input SAE's features.
        var orig = saved.Info.OriginalIndices!;
        Assert.Equal(Enumerable.Range(0, m), orig.Order());
        for (int j = 0; j < m; j++)
        {
            Assert.Equal(w.DecoderRow(orig[j]).ToArray(), saved.DecoderRow(j).ToArray());
            Assert.Equal(w.EncoderRow(orig[j]).ToArray(), saved.EncoderRow(j).ToArray());
            Assert.Equal(w.EncoderBias[orig[j]], saved.EncoderBias[j]);
        }
        Assert.Single(saved.Info.Permutations);
        Assert.Equal(orig, saved.Info.Permutations[0].Order);

        // Same reconstructions to 1e-6; codes permuted.
        var (f0, r0) = (new float[n * m], new float[n * d]);
        var (f1, r1) = (new float[n * m], new float[n * d]);
        new SaeCpuForward(w).Run(x, n, f0, r0);
        new SaeCpuForward(saved).Run(x, n, f1, r1);
        for (int i = 0; i < n * d; i++) Assert.True(Math.Abs(r0[i] - r1[i]) <= 1e-6, $"reconstruction {i}: {r0[i]} vs {r1[i]}");
        for (int r = 0; r < n; r++)
            for (int j = 0; j < m; j++) Assert.Equal(f0[r * m + orig[j]], f1[r * m + j]);

        var csv = File.ReadAllLines(Path.Combine(outDir, RunFolder.PrefixCurves));
        Assert.Equal("ordering,features,mse,explained_variance", csv[0]);
        Assert.Equal(1 + 5 * 6, csv.Length);   // 5 orderings x grid {1,2,4,8,16,20}

        // Refusals: an existing SAE in --out, a bad key, the input folder as output.
        Assert.Equal(1, root.Parse(["reorder", "--sae", runDir, "--activations", acts, "--out", outDir]).Invoke());
        Assert.Equal(0, root.Parse(["reorder", "--sae", runDir, "--activations", acts, "--out", outDir, "--overwrite"]).Invoke());
        Assert.Equal(1, root.Parse(["reorder", "--sae", runDir, "--activations", acts, "--by", "bogus", "--out", Path.Combine(dir, "x")]).Invoke());
        Assert.Equal(1, root.Parse(["reorder", "--sae", runDir, "--activations", acts, "--out", runDir]).Invoke());
        Assert.Equal(1, root.Parse(["reorder", "--sae", Path.Combine(dir, "missing"), "--activations", acts, "--out", Path.Combine(dir, "y")]).Invoke());
        Directory.Delete(dir, true);
    }
}

public class AlignCompareTruncateCommandTests
{
    [Fact]
    public void AlignToRestoresTheReferenceOrder_CompareSeesIt_AndTruncateKeepsThePrefix()
    {
        const int d = 6, m = 20;
        var reference = PostHocTestData.RandomSae(d, m, 61);
        var order = Enumerable.Range(0, m).Reverse().ToArray();
        var shuffled = MLSae.Ordering.SaeFeatureReorder.Permute(reference, order, "test");
        var dir = RepoPaths.NewTempDir();
        string refPath = Path.Combine(dir, "ref.onnx"), shuffledPath = Path.Combine(dir, "shuffled.onnx"), aligned = Path.Combine(dir, "aligned");
        SaeOnnx.Save(reference, refPath);
        SaeOnnx.Save(shuffled, shuffledPath);

        var root = new RootCommand { ReorderCommand.Create(), CompareCommand.Create(), TruncateCommand.Create() };
        Assert.Equal(0, root.Parse(["reorder", "--sae", shuffledPath, "--align-to", refPath, "--out", aligned]).Invoke());
        var result = SaeLoader.Load(aligned);
        for (int j = 0; j < m; j++) Assert.True(result.DecoderRow(j).SequenceEqual(reference.DecoderRow(j)), $"feature {j} not aligned");

        var stdout = Console.Out;
        var text = new StringWriter();
        Console.SetOut(text);
        try { Assert.Equal(0, root.Parse(["compare", "--sae", refPath, "--sae", aligned, "--json"]).Invoke()); }
        finally { Console.SetOut(stdout); }
        using var json = System.Text.Json.JsonDocument.Parse(text.ToString());
        Assert.Equal(1.0, json.RootElement.GetProperty("fraction_above_0_9").GetDouble());
        Assert.Equal(1.0, json.RootElement.GetProperty("index_consistency").EnumerateArray().Last().GetProperty("mean_cosine").GetDouble(), 5);

        var truncated = Path.Combine(dir, "first5");
        Assert.Equal(0, root.Parse(["truncate", "--sae", aligned, "--keep", "5", "--out", truncated]).Invoke());
        var prefix = SaeLoader.Load(truncated);
        Assert.Equal(5, prefix.FeatureCount);
        Assert.Equal(reference.EncoderWeights[..(5 * d)], prefix.EncoderWeights);
        Assert.Equal(1, root.Parse(["truncate", "--sae", aligned, "--keep", "21", "--out", Path.Combine(dir, "too-many")]).Invoke());
    }
}
