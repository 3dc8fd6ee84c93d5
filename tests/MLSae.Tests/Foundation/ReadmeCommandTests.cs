using System.Text.RegularExpressions;

namespace MLSae.Tests.Foundation;

/// <summary>The README's two newcomer commands and CI's test command must not drift apart.</summary>
public partial class ReadmeCommandTests
{
    [Fact]
    public void ReadmeHasExactlyTwoQuickStartCommandsAndCiRunsTheTestOne()
    {
        var commands = QuickStartCommands();
        Assert.Equal(2, commands.Count);
        Assert.StartsWith("dotnet run --project examples/QuickStart", commands[0]);
        Assert.StartsWith("dotnet test", commands[1]);

        var ci = File.ReadAllText(Path.Combine(RepoPaths.Root, ".ci", "run"));
        var match = CiTestCommand().Match(ci);
        Assert.True(match.Success, ".ci/run must define TEST_COMMAND='...'");
        Assert.Equal(commands[1], match.Groups[1].Value);
        Assert.Contains("$TEST_COMMAND", ci);
    }

    [Fact]
    public void QuickStartProjectNamedInReadmeExists()
    {
        var run = QuickStartCommands()[0];
        var project = Regex.Match(run, @"--project (\S+)").Groups[1].Value;
        Assert.True(Directory.Exists(Path.Combine(RepoPaths.Root, project)), $"README runs {project}, which does not exist.");
    }

    /// <summary>The lines of the first ```bash block after the "## Quick start" heading.</summary>
    static List<string> QuickStartCommands()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var section = readme[readme.IndexOf("## Quick start", StringComparison.Ordinal)..];
        var block = QuickStartBlock().Match(section);
        Assert.True(block.Success, "README's Quick start section needs a ```bash block.");
        return block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex QuickStartBlock();

    [GeneratedRegex(@"TEST_COMMAND='([^']+)'")]
    private static partial Regex CiTestCommand();
}
