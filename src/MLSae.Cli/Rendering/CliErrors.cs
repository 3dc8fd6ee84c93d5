using System.Text.Json;
using System.Text.RegularExpressions;
using MLSae.Runs.Experiments;
using MLSae.Training;

namespace MLSae.Cli.Rendering;

/// <summary>
/// How every command ends on an error: one line "mlsae CMD: error: MESSAGE" on standard error and exit code 1,
/// never a stack trace (MLSAE_DEBUG=1 adds it). Messages are cleaned of .NET and library internals:
/// "(Parameter 'o')" suffixes go, option properties (and the few arguments named as "resume: true") become the
/// command's flags through one mapping table; the library's messages name properties, never flags.
/// </summary>
static partial class CliErrors
{
    /// <summary>Set MLSAE_DEBUG=1 to print the exception with its stack trace after the one-line error.</summary>
    public const string DebugVariable = "MLSAE_DEBUG";

    /// <summary>Runs a command's work; any exception becomes the one-line error and exit code 1.</summary>
    public static int Guard(string command, Func<int> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            return run();
        }
        catch (Exception e)
        {
            return Fail(command, e);
        }
    }

    /// <summary>Writes the error line for <paramref name="e"/> and returns exit code 1.</summary>
    public static int Fail(string command, Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Console.Out.Flush();
        Console.Error.WriteLine($"mlsae {command}: error: {Message(e)}");
        if (Environment.GetEnvironmentVariable(DebugVariable) is "1" or "true") Console.Error.WriteLine(e);
        return 1;
    }

    /// <summary>Writes a usage error (bad combination of options) and returns exit code 1.</summary>
    public static int Usage(string command, string message)
    {
        Console.Error.WriteLine($"mlsae {command}: error: {message}");
        return 1;
    }

    /// <summary>The one-line text of <paramref name="e"/>: its cleaned message, or for an unexpected exception type its name as well.</summary>
    public static string Message(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is AggregateException { InnerExceptions.Count: 1 } agg) e = agg.InnerExceptions[0];
        var text = e.Message;
        if (e is ArgumentException { ParamName: { } p })
        {
            // "text (Parameter 'o')" and, for ArgumentOutOfRangeException, "\nActual value was X.": .NET internals, not the user's words.
            int cut = text.IndexOf($" (Parameter '{p}')", StringComparison.Ordinal);
            if (cut >= 0) text = text[..cut];
        }
        text = Clean(text);
        return Expected(e) ? text
            : $"{text} (unexpected {e.GetType().Name}: please report it; set {DebugVariable}=1 for details)";
    }

    /// <summary>Exceptions a user's input or environment causes (files, data, options); anything else is reported as unexpected.</summary>
    static bool Expected(Exception e) => e is IOException or InvalidDataException or ArgumentException or NotSupportedException
        or UnauthorizedAccessException or InvalidOperationException or JsonException or FormatException or KeyNotFoundException
        or HttpRequestException or TrainingDivergedException or ExperimentFileException or OperationCanceledException
        or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or OverflowException
        or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException;

    /// <summary>Option flags of the CLI for the library's option properties.</summary>
    static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        ["SaeTrainingOptions.Architecture"] = "--arch", ["SaeTrainingOptions.Expansion"] = "--expansion",
        ["SaeTrainingOptions.FeatureCount"] = "--d-sae", ["SaeTrainingOptions.L1Coefficient"] = "--l1",
        ["SaeTrainingOptions.K"] = "--k", ["SaeTrainingOptions.TargetL0"] = "--target-l0",
        ["SaeTrainingOptions.LearningRate"] = "--lr", ["SaeTrainingOptions.Steps"] = "--steps",
        ["SaeTrainingOptions.Tokens"] = "--tokens", ["SaeTrainingOptions.BatchSize"] = "--batch-size",
        ["SaeTrainingOptions.GradientAccumulation"] = "--grad-accum", ["SaeTrainingOptions.LearningRateSchedule"] = "--lr-schedule",
        ["SaeTrainingOptions.WarmupSteps"] = "--warmup-steps", ["SaeTrainingOptions.Seed"] = "--seed",
        ["SaeTrainingOptions.Precision"] = "--precision", ["SaeTrainingOptions.Device"] = "--device",
        ["ExperimentRunnerOptions.Device"] = "--device",
        ["ActivationCacheWriterOptions.Resume"] = "--resume", ["ActivationCacheWriterOptions.Overwrite"] = "--overwrite",
        ["ActivationCacheWriterOptions.DType"] = "--dtype", ["ActivationCacheWriterOptions.Context"] = "--context",
        ["ActivationCacheWriterOptions.Hook"] = "--hook", ["ActivationCacheWriterOptions.Model"] = "--model",
        ["SaeScorerOptions.TopK"] = "--top-k", ["SaeScorerOptions.KeepFeatures"] = "--keep", ["SaeScorerOptions.BatchSize"] = "--batch-size", ["SaeScorerOptions.Overwrite"] = "--overwrite",
        ["ReorderOptions.Strategy"] = "--reorder", ["ReorderOptions.By"] = "--reorder-by", ["ReorderOptions.Warmup"] = "--reorder-warmup",
        ["ReorderOptions.Interval"] = "--reorder-interval", ["ReorderOptions.VarianceThreshold"] = "--reorder-variance",
        ["ReorderOptions.VarianceWindow"] = "--reorder-window", ["ReorderOptions.StateMode"] = "--reorder-state",
        ["ReorderOptions.HistoryInterval"] = "--history-interval",
        ["ExtractionOptions.ContextLength"] = "--context", ["ExtractionOptions.BatchSize"] = "--batch-size",
        ["SaeExportOptions.Overwrite"] = "--overwrite", ["SaeExportOptions.HookPoint"] = "--hookpoint",
        ["RunEvaluationOptions.OutputDirectory"] = "--out", ["RunEvaluationOptions.BatchSize"] = "--batch-size",
        ["RunEvaluationOptions.MaxTokens"] = "--max-tokens", ["RunEvaluationOptions.TopExamples"] = "--top-examples",
        ["RunEvaluationOptions.Model"] = "--model", ["RunEvaluationOptions.Hook"] = "--hook",
        ["RunEvaluationOptions.TextField"] = "--text-field", ["RunEvaluationOptions.SparseProbing"] = "--probe-data",
        ["RunEvaluationOptions.Downstream"] = "--data", ["RunEvaluationOptions.Absorption"] = "--absorption",
        ["RunEvaluationOptions.Scr"] = "--scr", ["RunEvaluationOptions.Tpp"] = "--tpp",
        ["ScrOptions.NValues"] = "--concept-n", ["TppOptions.NValues"] = "--concept-n", ["TppOptions.Classes"] = "--tpp-classes",
        ["ScrOptions.TrainSetSize"] = "--concept-train-size", ["TppOptions.TrainSetSize"] = "--concept-train-size",
        ["ScrOptions.TestSetSize"] = "--concept-test-size", ["TppOptions.TestSetSize"] = "--concept-test-size",
        ["SaeReorderOptions.By"] = "--by", ["SaeReorderOptions.MaxRows"] = "--max-rows", ["SaeReorderOptions.Seed"] = "--seed",
        ["ReorderRunOptions.PrefixCurves"] = "--prefix-curves", ["ReorderRunOptions.Overwrite"] = "--overwrite",
        ["FeatureBrowserOptions.TopContexts"] = "--top", ["FeatureBrowserOptions.BatchSize"] = "--batch-size",
        ["FeatureSiteRunOptions.Compare"] = "--compare",
        ["InterventionRunOptions.Hook"] = "--hook", ["InterventionRunOptions.MaxTexts"] = "--max-texts",
        ["InterventionRunOptions.TopTokens"] = "--top",
    };

    /// <summary>Method arguments the library names in C# syntax (TrainRun.Execute's resume and overwrite), as the CLI's flags.</summary>
    static readonly (string Argument, string Flag)[] s_arguments =
    [
        ("resume: true", "--resume"), ("resume: false", "without --resume"), ("overwrite: true", "--overwrite"),
    ];

    /// <summary>Method arguments the library names as "the textField argument", as the CLI's flags.</summary>
    static readonly Dictionary<string, string> s_namedArguments = new(StringComparer.Ordinal)
    {
        ["textField"] = "--text-field", ["labelField"] = "--label-field", ["tokenizerPath"] = "--tokenizer",
        ["revision"] = "--revision", ["count"] = "--seeds",
    };

    /// <summary>
    /// "--resume (ActivationCacheWriterOptions.Resume)" becomes "--resume"; "SaeTrainingOptions.K" becomes "--k"; other option
    /// properties keep only their name; "resume: true" and "the textField argument" become "--resume" and "--text-field".
    /// </summary>
    internal static string Clean(string text)
    {
        text = FlagThenProperty().Replace(text, m => m.Groups["flag"].Value);
        text = PropertyThenFlag().Replace(text, m => m.Groups["flag"].Value);
        text = Property().Replace(text, m => s_flags.TryGetValue(m.Value, out var flag) ? flag : m.Groups["name"].Value);
        foreach (var (argument, flag) in s_arguments) text = text.Replace(argument, flag, StringComparison.Ordinal);
        text = NamedArgument().Replace(text, m => s_namedArguments.TryGetValue(m.Groups["name"].Value, out var flag) ? flag : m.Value);
        return string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [GeneratedRegex(@"(?<flag>--[a-z0-9-]+) \(\w+Options\.\w+\)")]
    private static partial Regex FlagThenProperty();

    [GeneratedRegex(@"\b\w+Options\.\w+ \((?<flag>--[a-z0-9-]+)\)")]
    private static partial Regex PropertyThenFlag();

    [GeneratedRegex(@"\b\w+Options\.(?<name>\w+)\b")]
    private static partial Regex Property();

    [GeneratedRegex(@"\bthe (?<name>[a-z]\w*) argument\b")]
    private static partial Regex NamedArgument();
}
