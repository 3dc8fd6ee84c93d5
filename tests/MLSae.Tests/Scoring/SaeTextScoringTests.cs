using System.Globalization;
using MLSae.Activations;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Scoring;

namespace MLSae.Tests.Scoring;

/// <summary>Scoring from text equals extracting into memory and encoding with a double-precision forward.</summary>
[Trait("Category", "Integration")]
public class SaeTextScoringTests
{
    const string Hook = "blocks.0.hook_resid_pre";   // embeddings + LayerNorm: the cheapest MiniLM hook
    static readonly OnnxExecutionOptions Cpu = new() { PreferCuda = false };
    static readonly TextDocument[] Docs =
    [
        new(0, "Sparse autoencoders find features in activations.", "t"),
        new(1, "The jury said the election was conducted well.", "t"),
    ];

    [Fact]
    public void TopKCsvFromTextMatchesInMemoryExtractionAndReferenceEncode()
    {
        var model = ModelSources.Resolve("minilm-l6");
        var w = TestSaes.Random(SaeActivation.ReLU, d: 384, m: 48, seed: 5);
        var extraction = new ExtractionOptions { ContextLength = 32, Execution = Cpu };
        var sink = new InMemoryActivationSink();
        using (var extractor = new ActivationExtractor(model, Hook, extraction))
            extractor.Run(Docs, sink);
        var x = sink.Chunks.SelectMany(c => c.Activations).ToArray();
        int rows = x.Length / 384;

        var path = Path.Combine(RepoPaths.NewTempDir(), "codes.csv");
        using var scorer = new SaeScorer(w, new SaeScorerOptions { TopK = 3, Execution = Cpu });
        var summary = scorer.ScoreText(model, Hook, Docs, path, extraction);

        Assert.Equal(rows, summary.Rows);
        var lines = File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(rows * 3, lines.Count);
        foreach (var cells in lines)
        {
            int row = int.Parse(cells[0], CultureInfo.InvariantCulture), rank = int.Parse(cells[1], CultureInfo.InvariantCulture);
            int feature = int.Parse(cells[2], CultureInfo.InvariantCulture);
            double value = double.Parse(cells[3], CultureInfo.InvariantCulture);
            var reference = TestSaes.Encode(w, x.AsSpan(row * 384, 384));
            var order = Enumerable.Range(0, reference.Length).OrderByDescending(i => reference[i]).ToArray();
            Assert.Equal(reference[feature], value, 1e-4);
            Assert.True(reference[order[rank]] - value <= 1e-4, $"row {row} rank {rank}: feature {feature} is not the rank-{rank} largest");
        }
    }

    [Fact]
    public void HookOfTheWrongWidthIsRefusedNamingBoth()
    {
        var model = ModelSources.Resolve("minilm-l6");
        var w = TestSaes.Random(SaeActivation.ReLU, d: 12, m: 8, seed: 6);
        using var scorer = new SaeScorer(w, new SaeScorerOptions { Execution = Cpu });
        var path = Path.Combine(RepoPaths.NewTempDir(), "codes.csv");
        var e = Assert.Throws<ArgumentException>(() => scorer.ScoreText(model, Hook, Docs, path));
        Assert.Contains("384", e.Message);
        Assert.Contains("d = 12", e.Message);
        Assert.False(File.Exists(path));
    }
}
