using System.CommandLine;
using System.Globalization;
using MLSae.Evaluation.Concepts;
using MLSae.Runs;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// The SCR / TPP flags of `mlsae eval`: --scr FILE --scr-labels A,B and --tpp FILE --tpp-label C become
/// <see cref="RunEvaluationOptions.Scr"/> / <see cref="RunEvaluationOptions.Tpp"/> (the library writes scr.json / tpp.json
/// beside eval.json); the results are rendered as one line each.
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

    /// <summary>--scr FILE --scr-labels A,B as the library's request (null without --scr).</summary>
    public static ScrEvaluation? Scr(Arguments c) => c.Scr is { } path && Split(c.ScrLabels!) is [var a, var b]
        ? new ScrEvaluation(path, a, b) { Options = new ScrOptions { NValues = ParseNValues(c), TrainSetSize = c.TrainSetSize, TestSetSize = c.TestSetSize } }
        : null;

    /// <summary>--tpp FILE --tpp-label C [--tpp-classes ...] as the library's request (null without --tpp).</summary>
    public static TppEvaluation? Tpp(Arguments c) => c.Tpp is { } path
        ? new TppEvaluation(path, c.TppLabel!)
        {
            Options = new TppOptions { NValues = ParseNValues(c), TrainSetSize = c.TrainSetSize, TestSetSize = c.TestSetSize, Classes = c.TppClasses is null ? null : Split(c.TppClasses) },
        }
        : null;

    static int[]? ParseNValues(Arguments c) => c.NValues is null ? null : [.. Split(c.NValues).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

    /// <summary>One line per concept evaluation run: its metric per n and the file written.</summary>
    public static void Render(RunEvaluationResult result)
    {
        if (result.Scr is { Result: var scr } scrRun)
        {
            var n = scr.Options.NValues!;
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"scr: {string.Join(", ", n.Select(k => $"n={k} {scr.Metric[k]:F3}"))} (direction {scr.MetricDirection}); wrote [green]{scrRun.Path}[/]");
        }
        if (result.Tpp is { Result: var tpp } tppRun)
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"tpp: {string.Join(", ", tpp.TotalMetric.OrderBy(kv => kv.Key).Select(kv => $"n={kv.Key} {kv.Value:F3}"))}; wrote [green]{tppRun.Path}[/]");
    }

    static string[] Split(string s) => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
