using MLSae.Cli.Rendering;
using MLSae.Ordering;

namespace MLSae.Tests.Reliability;

/// <summary>The one-line error text: .NET and library internals replaced by what the user typed.</summary>
public class CliErrorsTests
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
    }

    [Fact]
    public void AnUnexpectedExceptionTypeIsStillOneLine_MarkedForAReport()
    {
        var text = CliErrors.Message(new NullReferenceException("Object reference not set to an instance of an object."));
        Assert.Equal($"Object reference not set to an instance of an object. (unexpected NullReferenceException: please report it; set {CliErrors.DebugVariable}=1 for details)", text);
        Assert.Equal("disk gone", CliErrors.Message(new AggregateException(new IOException("disk gone"))));
    }
}
