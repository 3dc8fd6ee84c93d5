using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Cli.Commands;
using MLSae.Onnx;

namespace MLSae.Tests.Activations;

/// <summary>
/// `mlsae extract --shard I/N` and `mlsae cache merge`: the N shards merged are the unsharded extraction row for row,
/// through the merged manifest's row offsets (parts of unequal size, several cache shard files each).
/// </summary>
public class ShardedExtractionTests
{
    static readonly string[] Texts =
    [
        "Call me Ishmael.", "Some years ago, never mind how long precisely, having little or no money in my purse, and nothing particular to interest me on shore.",
        "The whale, the whale!", "It is a way I have of driving off the spleen and regulating the circulation.", "Whenever I find myself growing grim about the mouth.",
        "Queequeg was a native of Rokovoko.", "Ahab.", "There she blows! There she blows! A hump like a snow-hill! It is Moby Dick!", "Starbuck.",
        "Towards thee I roll, thou all-destroying but unconquering whale.", "And I only am escaped alone to tell thee.",
    ];

    static string Corpus(string dir)
    {
        var data = Path.Combine(dir, "docs.jsonl");
        File.WriteAllLines(data, Texts.Select(t => $$"""{"text": "{{t}}"}"""));
        return data;
    }

    sealed record Rows(float[] Activations, int[] TokenIds, long[] DocumentIds, int[] Positions);

    static Rows ReadAll(string dir)
    {
        using var cache = ActivationCache.Open(dir);
        int n = (int)cache.RowCount;
        var rows = new Rows(new float[n * cache.Dimension], new int[n], new long[n], new int[n]);
        // Read in odd-sized pieces so reads cross shard-file and part boundaries.
        for (int at = 0; at < n; at += 7)
        {
            int c = Math.Min(7, n - at);
            cache.ReadRows(at, c, rows.Activations.AsSpan(at * cache.Dimension, c * cache.Dimension));
            cache.ReadTokenIds(at, c, rows.TokenIds.AsSpan(at, c));
            cache.ReadDocumentIds(at, c, rows.DocumentIds.AsSpan(at, c));
            cache.ReadPositions(at, c, rows.Positions.AsSpan(at, c));
        }
        return rows;
    }

    static void SameRows(Rows expected, Rows actual)
    {
        Assert.Equal(expected.TokenIds, actual.TokenIds);
        Assert.Equal(expected.DocumentIds, actual.DocumentIds);
        Assert.Equal(expected.Positions, actual.Positions);
        Assert.Equal(expected.Activations.Length, actual.Activations.Length);
        // The same contexts through the same graph; a shard batches them with other contexts, whose padding length can
        // change float32 rounding in the kernels (1e-4 absolute on values of order 1).
        for (int i = 0; i < expected.Activations.Length; i++)
            Assert.True(Math.Abs(expected.Activations[i] - actual.Activations[i]) <= 1e-4, $"value {i}: {expected.Activations[i]} vs {actual.Activations[i]}");
    }

    [Fact]
    public void ThreeShardsMergedEqualTheUnshardedExtraction()
    {
        var dir = RepoPaths.NewTempDir();
        var data = Corpus(dir);
        string[] common = ["--hook", "blocks.1.hook_resid_post", "--data", data, "--context", "16", "--batch-size", "3", "--cpu"];
        Assert.Equal(0, ExtractCommand.Create().Parse([.. common, "--out", Path.Combine(dir, "all")]).Invoke());
        // Shards extracted out of order, one through the Slurm array variable (auto): the merge puts them in shard order.
        Assert.Equal(0, ExtractCommand.Create().Parse([.. common, "--shard", "2/3", "--out", Path.Combine(dir, "s2")]).Invoke());
        Assert.Equal(0, ExtractCommand.Create().Parse([.. common, "--shard", "0/3", "--out", Path.Combine(dir, "s0")]).Invoke());
        Assert.Equal(0, ExtractCommand.Create().Parse([.. common, "--shard", "1/3", "--out", Path.Combine(dir, "s1")]).Invoke());
        var merged = Path.Combine(dir, "merged");
        Assert.Equal(0, CacheCommand.Create().Parse(["merge", Path.Combine(dir, "s2"), Path.Combine(dir, "s0"), Path.Combine(dir, "s1"), "--out", merged]).Invoke());

        var manifest = ActivationCacheManifest.Load(merged);
        Assert.Equal(["../s0", "../s1", "../s2"], manifest.Parts.Select(p => p.Path));
        Assert.Equal(["0/3", "1/3", "2/3"], new[] { "s0", "s1", "s2" }.Select(s => ActivationCacheManifest.Load(Path.Combine(dir, s)).Metadata[ActivationCache.CorpusShardKey]));
        SameRows(ReadAll(Path.Combine(dir, "all")), ReadAll(merged));
        // Documents 0-2, 3-6, 7-10 of 11 (n·i/N): each shard holds its own contiguous range with corpus-wide ids.
        Assert.Equal([0L, 1, 2], ReadAll(Path.Combine(dir, "s0")).DocumentIds.Distinct());
        Assert.Equal([3L, 4, 5, 6], ReadAll(Path.Combine(dir, "s1")).DocumentIds.Distinct());
    }

    [Fact]
    public void MergedCachesOfSmallShardFilesReadAcrossEveryBoundary()
    {
        var dir = RepoPaths.NewTempDir();
        var model = ModelSources.Resolve(MiniLmResources.Name);
        var options = new ExtractionOptions { ContextLength = 16, BatchSize = 1, Execution = new OnnxExecutionOptions { PreferCuda = false } };
        using var extractor = new ActivationExtractor(model, "blocks.2.hook_resid_post", options);
        var docs = CorpusReader.Read(Corpus(dir)).ToList();
        string Extract(string name, IEnumerable<TextDocument> documents, CorpusShard? shard)
        {
            var outDir = Path.Combine(dir, name);
            using var sink = new ActivationCacheSink(outDir, new ActivationCacheWriterOptions
            {
                Model = model.Name, Hook = extractor.Hook.Name, Dimension = extractor.Dimension, Context = 16, RowsPerShard = 5,
                Metadata = shard is null ? null : new Dictionary<string, string> { [ActivationCache.CorpusShardKey] = shard.ToString() },
            });
            extractor.Run(documents, sink);
            return outDir;
        }
        var all = Extract("all", docs, null);
        var parts = Enumerable.Range(0, 4).Select(i => new CorpusShard(i, 4)).Select(s => Extract($"p{s.Index}", s.Select(() => docs), s)).ToList();
        ActivationCache.Merge(parts, Path.Combine(dir, "merged"));
        // Batch size 1: every context runs alone in both extractions, so the rows are bit-for-bit equal.
        var expected = ReadAll(all);
        var actual = ReadAll(Path.Combine(dir, "merged"));
        Assert.Equal(expected.Activations, actual.Activations);
        Assert.Equal(expected.DocumentIds, actual.DocumentIds);
        using var merged = ActivationCache.Open(Path.Combine(dir, "merged"));
        merged.Verify();   // hashes of every part's shard files
    }

    [Fact]
    public void MergeRefusesMissingRepeatedOrIncompleteShards()
    {
        var dir = RepoPaths.NewTempDir();
        var data = Corpus(dir);
        string[] common = ["--hook", "blocks.1.hook_resid_post", "--data", data, "--context", "16", "--cpu"];
        foreach (var s in new[] { "0/3", "1/3" })
            Assert.Equal(0, ExtractCommand.Create().Parse([.. common, "--shard", s, "--out", Path.Combine(dir, s.Replace('/', '-'))]).Invoke());
        var e = Assert.Throws<ArgumentException>(() => ActivationCache.Merge([Path.Combine(dir, "0-3"), Path.Combine(dir, "1-3")], Path.Combine(dir, "m")));
        Assert.Contains("missing 2/3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => ActivationCache.Merge([Path.Combine(dir, "0-3"), Path.Combine(dir, "0-3"), Path.Combine(dir, "1-3")], Path.Combine(dir, "m")));
        Assert.Contains("repeated 0/3", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "m")));
        // A resume must name the same shard: 1/3's folder refuses shard 2/3.
        Assert.Equal(1, ExtractCommand.Create().Parse([.. common, "--shard", "2/3", "--resume", "--out", Path.Combine(dir, "1-3")]).Invoke());
    }

    [Theory]
    [InlineData("1/4", null, null, null, 1)]
    [InlineData("auto/4", "3", null, null, 3)]
    [InlineData("auto/4", null, "2", null, 2)]
    [InlineData("auto/4", null, "4", "1", 3)]   // --array=1-4
    public void ShardSpecsParse(string spec, string? k8s, string? slurm, string? slurmMin, int index)
    {
        var env = new Dictionary<string, string?>
        {
            [CorpusShard.KubernetesIndexVariable] = k8s, [CorpusShard.SlurmIndexVariable] = slurm, [CorpusShard.SlurmMinimumVariable] = slurmMin,
        };
        Assert.Equal(new CorpusShard(index, 4), CorpusShard.Parse(spec, v => env.GetValueOrDefault(v)));
    }

    [Theory]
    [InlineData("4/4", "outside [0, 4)")]
    [InlineData("1", "must be I/N")]
    [InlineData("auto/4", "neither is set")]
    public void BadShardSpecsSayWhy(string spec, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => CorpusShard.Parse(spec, _ => null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
