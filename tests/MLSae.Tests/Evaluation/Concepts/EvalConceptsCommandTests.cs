using System.CommandLine;
using System.Text.Json;
using MLSae.Activations;
using MLSae.Cli.Commands;
using MLSae.Evaluation.Concepts;
using MLSae.Evaluation.Probing;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;

namespace MLSae.Tests.Evaluation.Concepts;

/// <summary>`mlsae eval --scr/--tpp` and `mlsae intervene` on MiniLM with a random SAE and Brown excerpt paragraphs.</summary>
public class EvalConceptsCommandTests
{
    const string Hook = "blocks.3.hook_resid_post";

    [Fact]
    [Trait("Category", "Integration")]
    public void EvalScrAndTpp_WriteSaeBenchJson_EqualToTheLibraryPath_AndRefuseBadFlags()
    {
        var dir = RepoPaths.NewTempDir();
        var cacheDir = Path.Combine(dir, "cache");
        Assert.Equal(0, ExtractCommand.Create().Parse(["--model", "minilm-l6", "--hook", Hook, "--data", RepoPaths.MobyDick,
            "--context", "64", "--max-tokens", "200", "--cpu", "--out", cacheDir]).Invoke());
        var w = Reference.RandomWeights(384, 64, SaeActivation.ReLU, 71);
        var run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        SaeOnnx.Save(w, Path.Combine(run, RunFolder.Sae));

        // SCR: genre (government / romance) x a second binary column "half" (alternating), 18 texts per quadrant.
        var lines = File.ReadLines(RepoPaths.BrownExcerpt).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (Text: e.GetProperty("text").GetString()!, Label: e.GetProperty("label").GetString()!)).ToList();
        var scrPath = Path.Combine(dir, "scr.jsonl");
        File.WriteAllLines(scrPath, lines.Where(l => l.Label is "government" or "romance").GroupBy(l => l.Label)
            .SelectMany(g => g.Take(36).Select((l, i) => JsonSerializer.Serialize(new { text = l.Text, genre = l.Label, half = i % 2 == 0 ? "even" : "odd" }))));
        var tppPath = Path.Combine(dir, "tpp.jsonl");
        File.WriteAllLines(tppPath, lines.GroupBy(l => l.Label).SelectMany(g => g.Take(14)).Select(l => JsonSerializer.Serialize(new { text = l.Text, label = l.Label })));

        // 18 texts per quadrant: train 24 / test 12 needs 2 x (6 + 3) in the correlated quadrants.
        string[] common = ["eval", "--sae", run, "--activations", cacheDir, "--top-examples", "0"];
        string[] scrSizes = ["--concept-n", "2,5", "--concept-train-size", "24", "--concept-test-size", "12"];
        string[] tppSizes = ["--concept-n", "2", "--concept-train-size", "16", "--concept-test-size", "8"];
        Assert.Equal(0, new RootCommand { EvalCommand.Create() }.Parse([.. common, .. scrSizes, "--scr", scrPath, "--scr-labels", "genre,half"]).Invoke());
        Assert.Equal(0, new RootCommand { EvalCommand.Create() }.Parse([.. common, .. tppSizes, "--tpp", tppPath, "--tpp-label", "label"]).Invoke());

        // The library path: same texts, model, hook and options.
        var model = ModelSources.Resolve("minilm-l6");
        using var source = ExtractorTextActivations.Create(model, Hook, new ExtractionOptions { ContextLength = 64, BatchSize = 1 });
        var data = ConceptData.Build(ConceptTextReader.Read(scrPath, ["genre", "half"]), source, w);
        var direct = new ScrEvaluator(new ScrOptions { NValues = [2, 5], TrainSetSize = 24, TestSetSize = 12 }).Evaluate(data, "genre", "half");
        var scr = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, ConceptJsonWriter.ScrFileName))).RootElement;
        var m = scr.GetProperty("eval_result_metrics").GetProperty("scr_metrics");
        Assert.Equal(direct.Dir1.Scores[5], m.GetProperty("scr_dir1_threshold_5").GetDouble(), 12);
        Assert.Equal(direct.Dir2.Scores[2], m.GetProperty("scr_dir2_threshold_2").GetDouble(), 12);
        Assert.Equal("genre", scr.GetProperty("eval_config").GetProperty("column1_name").GetString());
        var tpp = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, ConceptJsonWriter.TppFileName))).RootElement;
        Assert.Equal(3, tpp.GetProperty("eval_result_unstructured").EnumerateObject().Count());
        Assert.True(tpp.GetProperty("eval_result_metrics").GetProperty("tpp_metrics").TryGetProperty("tpp_threshold_2_total_metric", out _));

        Assert.Equal(1, new RootCommand { EvalCommand.Create() }.Parse([.. common, .. scrSizes, "--scr", scrPath]).Invoke());   // no --scr-labels
        Assert.Equal(1, new RootCommand { EvalCommand.Create() }.Parse([.. common, .. scrSizes, "--scr", scrPath, "--scr-labels", "genre,era"]).Invoke());   // no such column
        Assert.Equal(1, new RootCommand { EvalCommand.Create() }.Parse([.. common, "--tpp", tppPath, "--tpp-label", "label", "--concept-n", "100"]).Invoke());   // n > m
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Intervene_WritesOriginalAndEditedEmbeddings_AndRefusesToOverwrite()
    {
        var dir = RepoPaths.NewTempDir();
        var w = Reference.RandomWeights(384, 64, SaeActivation.ReLU, 72);
        var sae = Path.Combine(dir, "sae.onnx");
        SaeOnnx.Save(w, sae);
        var texts = Path.Combine(dir, "texts.jsonl");
        File.WriteAllLines(texts, File.ReadLines(RepoPaths.BrownExcerpt).Take(3));
        var outDir = Path.Combine(dir, "out");
        string[] args = ["--sae", sae, "--model", "minilm-l6", "--hook", Hook, "--data", texts, "--edit", "add:5=30;zero:7", "--out", outDir];
        Assert.Equal(0, InterveneCommand.Create().Parse(args).Invoke());
        var rows = File.ReadAllLines(Path.Combine(outDir, MLSae.Runs.InterventionRun.FileName)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, rows.Count);
        foreach (var r in rows)
        {
            Assert.Equal(384, r.GetProperty("original").GetArrayLength());
            Assert.Equal(384, r.GetProperty("intervened").GetArrayLength());
            Assert.InRange(r.GetProperty("cosine").GetDouble(), -1, 0.99999);   // steering by 30 moves the embedding
        }
        Assert.Equal(1, InterveneCommand.Create().Parse(args).Invoke());   // intervene.jsonl exists
        Assert.Equal(1, InterveneCommand.Create().Parse([.. args[..^4], "--edit", "mute:3", "--out", Path.Combine(dir, "o2")]).Invoke());
    }
}
