using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Cli.Rendering;
using MLSae.Evaluation.Concepts;
using MLSae.Evaluation.Probing;
using MLSae.Models;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// The SCR / TPP part of `mlsae eval`: --scr FILE --scr-labels A,B and --tpp FILE --tpp-label C run the labelled
/// texts through the SAE's model to its hook and write scr.json / tpp.json (SAEBench's shape) beside eval.json.
/// </summary>
static class EvalConcepts
{
    /// <summary>The flags as given.</summary>
    internal sealed record Arguments(string? Scr = null, string? ScrLabels = null, string? Tpp = null, string? TppLabel = null,
        string? TppClasses = null, string? NValues = null, int TrainSetSize = ConceptEvalDefaults.TrainSetSize, int TestSetSize = ConceptEvalDefaults.TestSetSize)
    {
        public bool Any => Scr is not null || Tpp is not null;
    }

    static readonly Option<string?> ScrOption = new("--scr") { Description = "Labelled texts (.jsonl or .csv) with two binary label columns for spurious correlation removal (SAEBench SCR); writes scr.json." };
    static readonly Option<string?> ScrLabels = new("--scr-labels") { Description = "The two label columns of --scr: A,B (a probe for A is trained where A and B are perfectly correlated; B's latents are ablated)." };
    static readonly Option<string?> TppOption = new("--tpp") { Description = "Labelled texts (.jsonl or .csv) for targeted probe perturbation (SAEBench TPP); writes tpp.json." };
    static readonly Option<string?> TppLabel = new("--tpp-label") { Description = "The class column of --tpp." };
    static readonly Option<string?> TppClasses = new("--tpp-classes") { Description = "Comma-separated classes of --tpp-label to probe (default: every value)." };
    static readonly Option<string?> NValues = new("--concept-n") { Description = "Comma-separated numbers of latents ablated for --scr/--tpp (default 2,5,10,20,50,100,500, those up to the SAE's width)." };
    static readonly Option<int> TrainSize = new("--concept-train-size") { Description = "Training texts per probe for --scr/--tpp (SAEBench train_set_size).", DefaultValueFactory = _ => ConceptEvalDefaults.TrainSetSize };
    static readonly Option<int> TestSize = new("--concept-test-size") { Description = "Test texts per probe for --scr/--tpp (SAEBench test_set_size).", DefaultValueFactory = _ => ConceptEvalDefaults.TestSetSize };

    /// <summary>The options to add to the eval command.</summary>
    public static Option[] Options => [ScrOption, ScrLabels, TppOption, TppLabel, TppClasses, NValues, TrainSize, TestSize];

    public static Arguments Read(ParseResult parse) => new(parse.GetValue(ScrOption), parse.GetValue(ScrLabels), parse.GetValue(TppOption),
        parse.GetValue(TppLabel), parse.GetValue(TppClasses), parse.GetValue(NValues), parse.GetValue(TrainSize), parse.GetValue(TestSize));

    /// <summary>A usage message for inconsistent flags, or null.</summary>
    public static string? Problem(Arguments c)
    {
        if (c.Scr is not null && (c.ScrLabels is null || Split(c.ScrLabels).Length != 2))
            return $"--scr needs --scr-labels A,B naming its two label columns (got '{c.ScrLabels}').";
        if (c.Scr is null && c.ScrLabels is not null) return "--scr-labels needs --scr FILE.";
        if (c.Tpp is not null && string.IsNullOrWhiteSpace(c.TppLabel)) return "--tpp needs --tpp-label naming its class column.";
        if (c.Tpp is null && (c.TppLabel is not null || c.TppClasses is not null)) return "--tpp-label and --tpp-classes need --tpp FILE.";
        if (c.NValues is not null && Split(c.NValues).Any(s => !int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0))
            return $"--concept-n must list positive integers (got '{c.NValues}').";
        if (c.TrainSetSize <= 0 || c.TestSetSize <= 0) return "--concept-train-size and --concept-test-size must be positive.";
        return null;
    }

    /// <summary>Runs SCR and/or TPP and writes their JSON into <paramref name="outDir"/>.</summary>
    public static void Run(Arguments c, string? modelSpec, string? hookName, string saeSource, SaeWeights weights, ActivationCache? cache, string outDir, string textField)
    {
        var spec = modelSpec ?? NonEmpty(cache?.Manifest.Model) ?? weights.Info.ModelName
            ?? throw new ArgumentException("--scr/--tpp run texts through the SAE's model, but neither the activations nor the SAE name one: pass --model (e.g. minilm-l6).");
        var hook = hookName ?? weights.Info.HookName ?? NonEmpty(cache?.Manifest.Hook)
            ?? throw new ArgumentException("--scr/--tpp read the SAE's hook, but neither the SAE nor the activations name one: pass --hook (e.g. blocks.3.hook_resid_post).");
        int context = cache is { Manifest.Context: > 0 } ? cache.Manifest.Context : ExtractionDefaults.ContextLength;
        var model = ModelSources.Resolve(spec);
        int[]? nValues = c.NValues is null ? null : [.. Split(c.NValues).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        using var source = ExtractorTextActivations.Create(model, hook, new ExtractionOptions { ContextLength = context, BatchSize = 1 });
        ConceptRunInfo Info(string data, int texts, double seconds) => new()
        {
            ModelName = spec, HookName = hook, SaeSource = Path.GetFullPath(saeSource), DataSource = Path.GetFullPath(data),
            ContextLength = context, Texts = texts, FeatureCount = weights.FeatureCount, Seconds = seconds,
        };
        if (c.Scr is { } scrPath)
        {
            var clock = Stopwatch.StartNew();
            var columns = Split(c.ScrLabels!);
            var texts = ConceptTextReader.Read(scrPath, columns, textField);
            var data = ProgressDisplay.Run("scr texts", p => ConceptData.Build(texts, source, weights, p));
            var result = ProgressDisplay.Run("scr", p => new ScrEvaluator(new ScrOptions { NValues = nValues, TrainSetSize = c.TrainSetSize, TestSetSize = c.TestSetSize }).Evaluate(data, columns[0], columns[1], p));
            var path = Path.Combine(outDir, ConceptJsonWriter.ScrFileName);
            ConceptJsonWriter.WriteScr(path, result, Info(scrPath, texts.Count, clock.Elapsed.TotalSeconds));
            var n = result.Options.NValues!;
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"scr: {string.Join(", ", n.Select(k => $"n={k} {result.Metric[k]:F3}"))} (direction {result.MetricDirection}); wrote [green]{path}[/]");
        }
        if (c.Tpp is { } tppPath)
        {
            var clock = Stopwatch.StartNew();
            var texts = ConceptTextReader.Read(tppPath, [c.TppLabel!], textField);
            var data = ProgressDisplay.Run("tpp texts", p => ConceptData.Build(texts, source, weights, p));
            var classes = c.TppClasses is null ? null : Split(c.TppClasses);
            var result = ProgressDisplay.Run("tpp", p => new TppEvaluator(new TppOptions { NValues = nValues, TrainSetSize = c.TrainSetSize, TestSetSize = c.TestSetSize, Classes = classes }).Evaluate(data, c.TppLabel!, p));
            var path = Path.Combine(outDir, ConceptJsonWriter.TppFileName);
            ConceptJsonWriter.WriteTpp(path, result, Info(tppPath, texts.Count, clock.Elapsed.TotalSeconds));
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"tpp: {string.Join(", ", result.TotalMetric.OrderBy(kv => kv.Key).Select(kv => $"n={kv.Key} {kv.Value:F3}"))}; wrote [green]{path}[/]");
        }
    }

    static string[] Split(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
