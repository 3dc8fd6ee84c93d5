using System.CommandLine;
using System.Text.Json;
using MLSae.Activations.Cache;
using MLSae.Cli.Commands;
using MLSae.Evaluation;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Tests.Evaluation;

public class EvalCommandTests(Xunit.Abstractions.ITestOutputHelper output)
{
    static string RunFolderWith(SaeWeights w, string dir)
    {
        var run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        SaeOnnx.Save(w, Path.Combine(run, RunFolder.Sae));
        return run;
    }

    static JsonElement Metrics(JsonDocument doc) => doc.RootElement.GetProperty("eval_result_metrics");

    [Fact]
    public void Eval_RunFolderAndSafetensors_WritesEvalJsonIntoTheRunFolder_MatchingAPlainLoop()
    {
        const int d = 4, m = 6, n = 30;
        var w = Reference.RandomWeights(d, m, SaeActivation.ReLU, 60);
        var x = Reference.Random(n * d, 61, 1.0);
        var dir = RepoPaths.NewTempDir();
        var run = RunFolderWith(w, dir);
        var acts = Path.Combine(dir, "acts.safetensors");
        new SafeTensorsWriter().Add("activations", x, [n, d]).Save(acts);

        int rc = EvalCommand.Run(new EvalCommand.EvalArguments(run, acts, null, null, "label", "text", null, 0, 8, 2, 42));
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "eval.json")));
        var metrics = Metrics(doc);
        Assert.Equal(n, metrics.GetProperty("token_stats").GetProperty("total_tokens_eval_reconstruction").GetInt64());
        // MSE (mean over tokens of ||x - x_hat||^2 / d) and L0 in double-precision loops.
        double se = 0, l0 = 0;
        for (int r = 0; r < n; r++)
        {
            var (f, xHat) = Reference.Forward(w, x.AsSpan(r * d, d));
            for (int j = 0; j < d; j++) se += (x[r * d + j] - xHat[j]) * (x[r * d + j] - xHat[j]);
            l0 += f.Count(v => v > 0);
        }
        double mse = metrics.GetProperty("reconstruction_quality").GetProperty("mse").GetDouble();
        Assert.True(Math.Abs(mse - se / n / d) <= 1e-5 * (1 + se / n / d), $"mse {mse} vs {se / n / d}");
        Assert.Equal(l0 / n, metrics.GetProperty("sparsity").GetProperty("l0").GetDouble(), 9);
        Assert.Equal(m, File.ReadAllLines(Path.Combine(run, "features.jsonl")).Length);
    }

    [Fact]
    public void Eval_BadInputs_FailWithExitCodeOne()
    {
        var dir = RepoPaths.NewTempDir();
        var w = Reference.RandomWeights(4, 6, SaeActivation.ReLU, 60);
        var run = RunFolderWith(w, dir);
        var acts = Path.Combine(dir, "acts.safetensors");
        new SafeTensorsWriter().Add("activations", Reference.Random(5 * 3, 1), [5, 3]).Save(acts);   // d = 3, SAE reads 4
        var onnx = Path.Combine(run, RunFolder.Sae);
        Assert.Equal(1, EvalCommand.Run(new EvalCommand.EvalArguments(Path.Combine(dir, "no-such-run"), acts, dir, null, "label", "text", null, 0, 8, 0, 42)));
        Assert.Equal(1, EvalCommand.Run(new EvalCommand.EvalArguments(run, acts, null, null, "label", "text", null, 0, 8, 0, 42)));   // d mismatch
        Assert.Equal(1, EvalCommand.Run(new EvalCommand.EvalArguments(onnx, acts, null, null, "label", "text", null, 0, 8, 0, 42)));  // a file needs --out
        Assert.False(File.Exists(Path.Combine(run, "eval.json")));
    }

    /// <summary>
    /// mlsae extract (MiniLM, real text) into a cache, a random SAE saved as a run folder, mlsae eval on both,
    /// compared with MetricsEvaluator run directly; plus sparse probing on Brown paragraphs through the cache's model.
    /// </summary>
    [Fact]
    [Trait("Category", "Integration")]
    public void Eval_EndToEnd_ExtractedCache_MatchesDirectEvaluation_AndProbes()
    {
        var dir = RepoPaths.NewTempDir();
        var cacheDir = Path.Combine(dir, "cache");
        int rc = ExtractCommand.Create().Parse(["--model", "minilm-l6", "--hook", "blocks.3.hook_resid_post", "--data", RepoPaths.MobyDick,
            "--context", "64", "--max-tokens", "300", "--cpu", "--out", cacheDir]).Invoke();
        Assert.Equal(0, rc);

        var w = Reference.RandomWeights(384, 64, SaeActivation.ReLU, 70);
        var run = RunFolderWith(w, dir);

        // A small labelled slice of the Brown excerpt: 30 government and 30 romance paragraphs.
        var probe = Path.Combine(dir, "probe.jsonl");
        var lines = File.ReadLines(RepoPaths.BrownExcerpt)
            .Select(l => (Line: l, Label: JsonDocument.Parse(l).RootElement.GetProperty("label").GetString()))
            .Where(p => p.Label is "government" or "romance").GroupBy(p => p.Label).SelectMany(g => g.Take(30)).Select(p => p.Line).ToList();
        Assert.Equal(60, lines.Count);
        File.WriteAllLines(probe, lines);

        var root = new RootCommand { EvalCommand.Create() };
        rc = root.Parse(["eval", "--sae", run, "--activations", cacheDir, "--probe-data", probe, "--positive-class", "government", "--top-examples", "3"]).Invoke();
        Assert.Equal(0, rc);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "eval.json")));
        var metrics = Metrics(doc);
        SaeMetrics direct;
        using (var cache = ActivationCache.Open(cacheDir))
        {
            Assert.Equal(300, cache.RowCount);
            // The CLI reads codes in the unit-decoder-row form (f_i ||W_dec[i]||).
            direct = new MetricsEvaluator(new MetricsEvaluatorOptions()).Evaluate(cache, new UnitRowSaeForward(new SaeCpuForward(w), w));
        }
        void Same(string group, string name, double expected)
        {
            double got = metrics.GetProperty(group).GetProperty(name).GetDouble();
            // The CLI runs the SAE on ONNX Runtime, the direct path on SaeCpuForward: float32 sums in another order.
            Assert.True(Math.Abs(got - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"{group}.{name}: {got} vs {expected}");
        }
        Same("reconstruction_quality", "explained_variance", direct.ExplainedVariance);
        Same("reconstruction_quality", "mse", direct.Mse);
        Same("reconstruction_quality", "cossim", direct.CosineSimilarity);
        Same("shrinkage", "l2_ratio", direct.L2Ratio);
        Same("sparsity", "l0", direct.L0);
        Same("sparsity", "l1", direct.L1);
        Same("misc_metrics", "frac_alive", direct.FracAlive);
        Assert.Equal(300, metrics.GetProperty("token_stats").GetProperty("total_tokens_eval_reconstruction").GetInt64());
        Assert.Equal("minilm-l6", doc.RootElement.GetProperty("eval_config").GetProperty("model_name").GetString());

        var probing = metrics.GetProperty("sparse_probing");
        double llm = probing.GetProperty("llm").GetProperty("llm_test_accuracy").GetDouble();
        output.WriteLine($"probe llm accuracy {llm}; sae top-1 {probing.GetProperty("sae").GetProperty("sae_top_1_test_accuracy").GetDouble()}");
        Assert.InRange(llm, 0.0, 1.0);
        Assert.InRange(probing.GetProperty("sae").GetProperty("sae_top_1_test_accuracy").GetDouble(), 0.0, 1.0);

        // Contexts are decoded through MiniLM's vocabulary (word pieces, not numbers).
        var features = File.ReadAllLines(Path.Combine(run, "features.jsonl"));
        Assert.Equal(64, features.Length);
        var context = features.Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("top").GetArrayLength() > 0)
            .Select(e => e.GetProperty("top")[0].GetProperty("context").GetString()!).First();
        output.WriteLine(context);
        Assert.Matches("[a-z]{2,}", context);
    }
}
