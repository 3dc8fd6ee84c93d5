using MLSae.Activations;
using MLSae.Onnx;
using Parquet.Serialization;

namespace MLSae.Tests.Activations;

public class CorpusReaderTests
{
    [Fact]
    public void PlainTextIsSplitIntoParagraphs()
    {
        var dir = RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "a.txt");
        File.WriteAllText(path, "First line\nsame paragraph.\n\n\nSecond one.\n  \nThird.");
        var docs = CorpusReader.Read(path).ToList();
        Assert.Equal(["First line same paragraph.", "Second one.", "Third."], docs.Select(d => d.Text));
        Assert.Equal([0L, 1, 2], docs.Select(d => d.Id));
    }

    [Fact]
    public void JsonLinesReadTheFieldAndNameFoundFieldsWhenMissing()
    {
        var dir = RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "a.jsonl");
        File.WriteAllLines(path, ["""{"id": 1, "body": "one"}""", "", """{"id": 2, "body": "two \u00e9"}"""]);
        Assert.Equal(["one", "two é"], CorpusReader.Read(path, "body").Select(d => d.Text));
        var e = Assert.Throws<InvalidDataException>(() => CorpusReader.Read(path, "text").ToList());
        Assert.Contains("'text'", e.Message);
        Assert.Contains("id, body", e.Message);
    }

    [Fact]
    public async Task CsvAndParquetAndFoldersAreRead()
    {
        var dir = RepoPaths.NewTempDir();
        File.WriteAllText(Path.Combine(dir, "b.csv"), "year,text\n1790,\"Fellow citizens, hello\"\n1791,second\n");
        await using (var f = File.Create(Path.Combine(dir, "c.parquet")))
            await ParquetSerializer.SerializeAsync(new[] { new Row { Text = "from parquet" }, new Row { Text = "again" } }, f);
        File.WriteAllText(Path.Combine(dir, "a.txt"), "plain");
        File.WriteAllText(Path.Combine(dir, "ignored.bin"), "x");
        var docs = CorpusReader.Read(dir).ToList();
        Assert.Equal(["plain", "Fellow citizens, hello", "second", "from parquet", "again"], docs.Select(d => d.Text));
        Assert.Equal([0L, 1, 2, 3, 4], docs.Select(d => d.Id));

        var e = Assert.Throws<InvalidDataException>(() => CorpusReader.Read(Path.Combine(dir, "b.csv"), "body").ToList());
        Assert.Contains("year, text", e.Message);
        var p = Assert.Throws<InvalidDataException>(() => CorpusReader.Read(Path.Combine(dir, "c.parquet"), "body").ToList());
        Assert.Contains("Text", p.Message);
    }

    public sealed class Row
    {
        public string? Text { get; set; }
    }

    [Fact]
    public void NonUtf8BytesAreAnErrorNamingTheFile()
    {
        var dir = RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "latin1.txt");
        File.WriteAllBytes(path, [(byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'\n']);
        var e = Assert.Throws<InvalidDataException>(() => CorpusReader.Read(path).ToList());
        Assert.Contains("latin1.txt", e.Message);
        Assert.Contains("UTF-8", e.Message);
    }

    [Fact]
    public void MissingPathAndEmptyFolderAreErrors()
    {
        Assert.Throws<FileNotFoundException>(() => CorpusReader.Read("/no/such/corpus.txt"));
        Assert.Throws<InvalidDataException>(() => CorpusReader.Read(RepoPaths.NewTempDir()));
    }
}

[Trait("Category", "Integration")]
public class RealTextExtractionTests
{
    static readonly OnnxExecutionOptions Cpu = new() { PreferCuda = false };

    [Fact]
    public void BrownParagraphsRoundTripTokenIdsAndDocuments()
    {
        var model = ModelSources.Resolve("minilm-l6");
        var docs = CorpusReader.Read(RepoPaths.BrownExcerpt).Take(200).ToList();
        using var extractor = new ActivationExtractor(model, "blocks.1.hook_resid_post", new ExtractionOptions { BatchSize = 16, Execution = Cpu });
        var sink = new InMemoryActivationSink();
        var summary = extractor.Run(docs, sink);
        var all = sink.Concatenate();
        Assert.Equal(200, summary.Documents);
        Assert.Equal(docs.SelectMany(d => model.Tokenizer.Encode(d.Text)).ToArray(), all.TokenIds);
        Assert.Equal(docs.SelectMany(d => model.Tokenizer.Encode(d.Text).Select(_ => d.Id)).ToArray(), all.DocumentIds);
        Assert.DoesNotContain(all.TokenIds, id => model.SpecialTokens.IsSpecial(id));
        Assert.All(all.Activations, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void MobyDickStreamsUntilMaxTokens()
    {
        var model = ModelSources.Resolve("minilm-l6");
        using var extractor = new ActivationExtractor(model, "blocks.3.hook_resid_post", new ExtractionOptions { BatchSize = 16, MaxTokens = 6000, Execution = Cpu });
        var sink = new InMemoryActivationSink();
        var summary = extractor.Run(CorpusReader.Read(RepoPaths.MobyDick), sink);
        Assert.Equal(6000, sink.Rows);
        Assert.True(summary.StoppedAtMaxTokens);
        var all = sink.Concatenate();
        Assert.True(all.DocumentIds.Zip(all.DocumentIds.Skip(1)).All(p => p.First <= p.Second));
        Assert.DoesNotContain(all.TokenIds, id => model.SpecialTokens.IsSpecial(id));
        // Residual stream rows of a post-LN model have norm near sqrt(d) * gamma scale: far from zero.
        Assert.All(Enumerable.Range(0, all.Rows), r => Assert.True(all.Activations.AsSpan(r * 384, 384).ToArray().Sum(v => v * v) > 1f));
    }
}
