using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Ordering;
using MLSae.Runs;
using MLSae.Runs.Experiments;

namespace MLSae.Tests.Reliability;

/// <summary>The one-line error text: .NET and library internals replaced by what the user typed.</summary>
public partial class CliErrorsTests
{
    [Fact]
    public void ParameterSuffixesAndActualValueLinesAreDropped()
    {
        Assert.Equal("Batch size must be at least 1 (got 0).",
            CliErrors.Message(new ArgumentOutOfRangeException("BatchSize", 0, "Batch size must be at least 1 (got 0).")));
        Assert.Equal("Pass either --resume or --overwrite, not both.",
            CliErrors.Message(new ArgumentException("Pass either --resume or --overwrite, not both.", "o")));
    }

    [Fact]
    public void OptionPropertiesBecomeFlags_OrTheirPlainName()
    {
        Assert.Equal("Pass --resume to continue it or --overwrite to replace it.",
            CliErrors.Clean("Pass --resume (ActivationCacheWriterOptions.Resume) to continue it or --overwrite (ActivationCacheWriterOptions.Overwrite) to replace it."));
        Assert.Equal("--k = 1000 exceeds the number of features m = 16; choose k <= m or a larger --d-sae.",
            CliErrors.Clean("SaeTrainingOptions.K = 1000 exceeds the number of features m = 16; choose k <= m or a larger SaeTrainingOptions.FeatureCount."));
        Assert.Equal("'x' exists; pass --overwrite.", CliErrors.Clean("'x' exists; pass SaeExportOptions.Overwrite (--overwrite)."));
        Assert.Equal("AdamEpsilon must be positive (got 0).", CliErrors.Clean("SaeTrainingOptions.AdamEpsilon must be positive (got 0)."));
        Assert.Equal("first line second line", CliErrors.Clean("first line\r\n  second line"));
    }

    [Fact]
    public void LibraryMessagesNameProperties_TheCliNamesItsFlags()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ReorderOptions { Interval = 0 }.Validate());
        Assert.StartsWith("ReorderOptions.Interval must be > 0.", e.Message, StringComparison.Ordinal);
        Assert.Equal("--reorder-interval must be > 0.", CliErrors.Message(e));
        Assert.Equal("Set --context to 512 or less.", CliErrors.Clean("Set ExtractionOptions.ContextLength to 512 or less."));
        Assert.Equal("Pass --resume to continue it, --overwrite to replace it. Start fresh (without --resume).",
            CliErrors.Clean("Pass resume: true to continue it, overwrite: true to replace it. Start fresh (resume: false)."));
        Assert.Equal("--data runs the texts; set --model.", CliErrors.Clean("RunEvaluationOptions.Downstream runs the texts; set RunEvaluationOptions.Model."));
        Assert.Equal("--scr and --tpp read the hook: set --hook.", CliErrors.Clean("RunEvaluationOptions.Scr and RunEvaluationOptions.Tpp read the hook: set RunEvaluationOptions.Hook."));
        Assert.Equal("Name them with --text-field and --label-field; pass --tokenizer, --revision.",
            CliErrors.Clean("Name them with the textField argument and the labelField argument; pass the tokenizerPath argument, the revision argument."));
        Assert.Equal("the other argument stays", CliErrors.Clean("the other argument stays"));   // not a known argument: left alone
    }

    [Fact]
    public void LibraryErrorsThatNameArgumentsOrProperties_ReadAsTheCliFlags()
    {
        var dir = RepoPaths.NewTempDir();
        var corpus = Path.Combine(dir, "c.jsonl");
        File.WriteAllLines(corpus, ["""{"body": "text"}"""]);
        var missing = Assert.ThrowsAny<Exception>(() => CorpusReader.Read(corpus).ToList());
        Assert.Contains("the textField argument", missing.Message);
        Assert.Contains("Pass --text-field with one of those.", CliErrors.Message(missing));

        var seeds = Assert.ThrowsAny<ArgumentException>(() => ExperimentFile.Load(Path.Combine(RepoPaths.Root, "examples", "SeedExperiments", "seed-runs.json")).WithSeedCount(0));
        Assert.Contains("(--seeds) must be at least 1", CliErrors.Message(seeds));

        var rows = Assert.Throws<ArgumentException>(() => ReorderRun.Reorder("sae", "acts", Path.Combine(dir, "out"),
            new ReorderRunOptions { Reorder = new SaeReorderOptions { MaxRows = 0 } }));
        Assert.Equal("--max-rows must be positive (got 0).", CliErrors.Message(rows));

        var output = Assert.Throws<ArgumentException>(() => RunEvaluation.Evaluate(Path.Combine(dir, "sae.onnx"), dir));
        Assert.StartsWith("--out is required: the SAE", CliErrors.Message(output), StringComparison.Ordinal);

        var top = Assert.ThrowsAny<ArgumentException>(() => new MLSae.Browsing.FeatureBrowserOptions { TopContexts = 0 }.Validate());
        Assert.Equal("--top must be positive.", CliErrors.Message(top));
    }

    /// <summary>Every string literal of the libraries, read from their IL: none may name a CLI flag (they name option properties or arguments).</summary>
    [Theory]
    [InlineData("MLSae")]
    [InlineData("MLSae.TorchSharp")]
    [InlineData("MLSae.Runs")]
    [InlineData("MLSae.Reporting")]
    public void NoLibraryStringNamesACliFlag(string assemblyName)
    {
        using var pe = new PEReader(File.OpenRead(Assembly.Load(assemblyName).Location));
        var metadata = pe.GetMetadataReader();
        var flags = new List<string>();
        int strings = 0;
        for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
        {
            var text = metadata.GetUserString(handle);
            strings++;
            if (CliFlag().IsMatch(text)) flags.Add(text);
        }
        Assert.True(strings > 20, $"{assemblyName}: only {strings} string literals read");   // the scan reads something
        Assert.Empty(flags);
        Assert.Matches(CliFlag(), "Pass --text-field with it.");   // and would see a flag
    }

    [GeneratedRegex(@"(?<![\w(-])--[a-z][a-z0-9]*(-[a-z0-9]+)*\b")]
    private static partial Regex CliFlag();

    [Fact]
    public void AnUnexpectedExceptionTypeIsStillOneLine_MarkedForAReport()
    {
        var text = CliErrors.Message(new NullReferenceException("Object reference not set to an instance of an object."));
        Assert.Equal($"Object reference not set to an instance of an object. (unexpected NullReferenceException: please report it; set {CliErrors.DebugVariable}=1 for details)", text);
        Assert.Equal("disk gone", CliErrors.Message(new AggregateException(new IOException("disk gone"))));
    }
}
