using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Diagnostics;
using MLSae.Onnx;

namespace MLSae.Tests.Activations;

/// <summary>
/// The pipelined extractor (reader, model and writer threads; contexts sorted by length within a window) against the
/// one-batch-at-a-time loop it replaced (<see cref="SequentialExtraction"/>, the old code): the same chunks, counts and
/// summaries, and caches equal byte for byte, also after an interrupted run is resumed.
/// </summary>
public class ExtractionPipelineTests
{
    static TransformerModel MiniLm => ModelSources.Resolve("minilm-l6");
    static readonly OnnxExecutionOptions Cpu = new() { PreferCuda = false };
    const string Hook = "blocks.1.hook_resid_post";

    // Moby-Dick paragraphs: lengths from a few tokens to several contexts, so batches carry a lot of padding and
    // sorting changes which contexts share a run and how wide each run is.
    static IEnumerable<TextDocument> Corpus(int documents = 60) => CorpusReader.Read(RepoPaths.MobyDick).Take(documents);

    static ExtractionOptions Options(long maxTokens = 0, bool special = false, int window = 4) => new()
    {
        ContextLength = 32, BatchSize = 4, SortWindow = window, MaxTokens = maxTokens, IncludeSpecialTokens = special, Execution = Cpu,
    };

    static ActivationCacheWriterOptions CacheOptions(ActivationExtractor x, ActivationDType dtype, bool resume = false) => new()
    {
        Model = "minilm-l6", Hook = Hook, Dimension = x.Dimension, DType = dtype, Context = x.Options.ContextLength,
        RowsPerShard = 300, Resume = resume,
    };

    static ExtractionSummary Sequential(ActivationExtractor x, IActivationSink sink, IEnumerable<TextDocument> docs)
    {
        var summary = SequentialExtraction.Run(x, docs, sink.Write);
        sink.Complete(summary);
        return summary;
    }

    static string SequentialCache(ActivationExtractor x, ActivationDType dtype, IEnumerable<TextDocument> docs)
    {
        var dir = RepoPaths.NewTempDir("mlsae-seq");
        using var sink = new ActivationCacheSink(dir, CacheOptions(x, dtype));
        Sequential(x, sink, docs);
        return dir;
    }

    /// <summary>Every shard file equal byte for byte; manifests equal but for their timestamps; nothing else in the folders.</summary>
    static void AssertSameCache(string expected, string actual)
    {
        var a = ActivationCacheManifest.Load(expected);
        var b = ActivationCacheManifest.Load(actual);
        Assert.True(a.Shards.Count >= 2, "the test wants several shards");
        foreach (var f in a.Shards.SelectMany(s => s.Files))
            Assert.Equal(File.ReadAllBytes(Path.Combine(expected, f.File)), File.ReadAllBytes(Path.Combine(actual, f.File)));
        a.CreatedUtc = b.CreatedUtc = default;
        a.UpdatedUtc = b.UpdatedUtc = default;
        Assert.Equal(a.ToJson(), b.ToJson());
        Assert.Equal(Directory.EnumerateFiles(expected).Select(Path.GetFileName).Order(), Directory.EnumerateFiles(actual).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData(0, false, ActivationDType.Float32, 4)]
    [InlineData(1_001, false, ActivationDType.Float32, 4)]     // stops inside a context
    [InlineData(0, true, ActivationDType.BFloat16, 3)]
    [InlineData(0, false, ActivationDType.Float32, 1)]         // no sorting: the threads alone
    public void PipelinedCacheEqualsTheSequentialOneByteForByte(long maxTokens, bool special, ActivationDType dtype, int window)
    {
        using var x = new ActivationExtractor(MiniLm, Hook, Options(maxTokens, special, window));
        var expected = SequentialCache(x, dtype, Corpus());
        var actual = RepoPaths.NewTempDir("mlsae-pipe");
        using (var sink = new ActivationCacheSink(actual, CacheOptions(x, dtype)))
            x.Run(Corpus(), sink);
        AssertSameCache(expected, actual);
    }

    [Fact]
    public void ChunksCountsAndSummaryEqualTheSequentialLoops()
    {
        using var x = new ActivationExtractor(MiniLm, Hook, Options(maxTokens: 1_001));
        var seq = new InMemoryActivationSink();
        var pipe = new InMemoryActivationSink();
        var seqProgress = new List<ProgressInfo>();
        var pipeProgress = new List<ProgressInfo>();
        var s = SequentialExtraction.Run(x, Corpus(), seq.Write, new SyncProgress(seqProgress.Add));
        var p = x.Run(Corpus(), pipe, new SyncProgress(pipeProgress.Add));
        Assert.Equal(s with { Elapsed = default }, p with { Elapsed = default });
        Assert.True(s.StoppedAtMaxTokens);
        Assert.Equal(seq.Chunks.Count, pipe.Chunks.Count);
        for (int i = 0; i < seq.Chunks.Count; i++)
        {
            Assert.Equal(seq.Chunks[i].TokenIds, pipe.Chunks[i].TokenIds);
            Assert.Equal(seq.Chunks[i].DocumentIds, pipe.Chunks[i].DocumentIds);
            Assert.Equal(seq.Chunks[i].Positions, pipe.Chunks[i].Positions);
            Assert.Equal(Bits(seq.Chunks[i].Activations), Bits(pipe.Chunks[i].Activations));
        }
        Assert.Equal(seqProgress.Select(r => (r.Done, r.Detail)), pipeProgress.Select(r => (r.Done, r.Detail)));
    }

    static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnInterruptedPipelinedRunResumesToTheSequentialCache(bool cancel)
    {
        using var x = new ActivationExtractor(MiniLm, Hook, Options());
        var expected = SequentialCache(x, ActivationDType.Float32, Corpus());
        var dir = RepoPaths.NewTempDir("mlsae-resume");
        using (var cts = new CancellationTokenSource())
        using (var sink = new ActivationCacheSink(dir, CacheOptions(x, ActivationDType.Float32)))
        {
            // Interrupted after eight chunks: by cancellation, or by a sink that fails (as a full disk would).
            int chunks = 0;
            var failing = new DelegateSink(c =>
            {
                sink.Write(c);
                if (++chunks < 8) return;
                if (cancel) cts.Cancel(); else throw new IOException("simulated failure");
            });
            if (cancel) Assert.ThrowsAny<OperationCanceledException>(() => x.Run(Corpus(), failing, cancellationToken: cts.Token));
            else Assert.Throws<IOException>(() => x.Run(Corpus(), failing));
            Assert.True(sink.Writer.RowsCommitted > 0, "a shard was committed before the interruption");
        } // disposing abandons the partly written shard
        using (var sink = new ActivationCacheSink(dir, CacheOptions(x, ActivationDType.Float32, resume: true)))
        {
            Assert.True(sink.Writer.ResumedRows > 0);
            x.Run(Corpus(), sink);
        }
        AssertSameCache(expected, dir);
    }

    [Fact]
    public void AReadFailureWritesTheBatchesBeforeItThenSurfacesAsItself()
    {
        using var x = new ActivationExtractor(MiniLm, Hook, Options(window: 8));
        IEnumerable<TextDocument> Broken()
        {
            foreach (var d in Corpus(20)) yield return d;
            throw new InvalidDataException("bad byte in the corpus");
        }
        var seq = new InMemoryActivationSink();
        var pipe = new InMemoryActivationSink();
        Assert.Throws<InvalidDataException>(() => SequentialExtraction.Run(x, Broken(), seq.Write));
        var e = Assert.Throws<InvalidDataException>(() => x.Run(Broken(), pipe));
        Assert.Equal("bad byte in the corpus", e.Message);
        Assert.True(seq.Chunks.Count > 0);
        Assert.Equal(seq.Chunks.SelectMany(c => c.TokenIds), pipe.Chunks.SelectMany(c => c.TokenIds));
        Assert.Null(pipe.Summary);
    }

    [Fact]
    public void EmptyCorpusAndBadWindowAreErrors()
    {
        using var x = new ActivationExtractor(MiniLm, Hook, Options());
        Assert.Throws<InvalidDataException>(() => x.Run([], new InMemoryActivationSink()));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationExtractor(MiniLm, Hook, Options(window: 0)));
        Assert.Contains("ExtractionOptions.SortWindow", e.Message);
    }

    sealed class DelegateSink(Action<ActivationChunk> write) : IActivationSink
    {
        public void Write(ActivationChunk chunk) => write(chunk);
        public void Complete(ExtractionSummary summary) { }
    }

    sealed class SyncProgress(Action<ProgressInfo> report) : IProgress<ProgressInfo>
    {
        public void Report(ProgressInfo value) => report(value);
    }
}
