using System.Text.Json;
using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Evaluation.Features;
using MLSae.Models;

namespace MLSae.Tests.Evaluation;

public class EvalCommandTests
{
    /// <summary>Rows plus token metadata, as the activation cache will provide.</summary>
    sealed class SourceWithTokens(float[] data, int d, InMemoryTokenMetadata meta) : IActivationSource, ITokenMetadataSource
    {
        readonly InMemoryActivationSource _rows = new(data, d);
        public int Dimension => _rows.Dimension;
        public long RowCount => _rows.RowCount;
        public void ReadRows(long firstRow, int count, Span<float> destination) => _rows.ReadRows(firstRow, count, destination);
        public void ReadTokens(long firstRow, int count, Span<int> tokenIds, Span<long> documentIds, Span<int> positions) =>
            meta.ReadTokens(firstRow, count, tokenIds, documentIds, positions);
    }

    [Fact]
    public void Eval_WritesEvalJsonAndFeatureTable_ThroughTheWiringPoints()
    {
        const int d = 4, m = 6, n = 30;
        var w = Reference.RandomWeights(d, m, SaeActivation.ReLU, 60);
        var x = Reference.Random(n * d, 61, 1.0);
        var meta = new InMemoryTokenMetadata(Enumerable.Range(100, n).ToArray(), Enumerable.Range(0, n).Select(i => (long)(i / 10)).ToArray(),
            Enumerable.Range(0, n).Select(i => i % 10).ToArray());
        var (oldSae, oldAct) = (EvalCommand.LoadSae, EvalCommand.OpenActivations);
        try
        {
            EvalCommand.LoadSae = _ => w;
            EvalCommand.OpenActivations = _ => new SourceWithTokens(x, d, meta);
            var outDir = RepoPaths.NewTempDir();
            int rc = EvalCommand.Run(new EvalCommand.EvalArguments("sae-run", "acts", outDir, null, "label", "text", null, 0, 8, 2, 42));
            Assert.Equal(0, rc);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "eval.json")));
            Assert.Equal(n, doc.RootElement.GetProperty("eval_result_metrics").GetProperty("token_stats").GetProperty("total_tokens_eval_reconstruction").GetInt64());
            var lines = File.ReadAllLines(Path.Combine(outDir, "features.jsonl"));
            Assert.Equal(m, lines.Length);
            using var first = JsonDocument.Parse(lines.First(l => l.Contains("\"context\"")));
            Assert.Contains("[[", first.RootElement.GetProperty("top")[0].GetProperty("context").GetString());
        }
        finally
        {
            (EvalCommand.LoadSae, EvalCommand.OpenActivations) = (oldSae, oldAct);
        }
    }

    [Fact]
    public void Eval_WithoutWiring_FailsWithAMessageNamingThePath()
    {
        int rc = EvalCommand.Run(new EvalCommand.EvalArguments("no-such-run", "acts", RepoPaths.NewTempDir(), null, "label", "text", null, 0, 8, 0, 42));
        Assert.Equal(1, rc);
    }
}
