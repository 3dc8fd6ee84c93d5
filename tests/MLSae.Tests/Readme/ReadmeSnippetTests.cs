using System.Text.RegularExpressions;

namespace MLSae.Tests.Readme;

/// <summary>README.md's C# blocks equal the regions of ReadmeSnippets.cs that compile and run.</summary>
public partial class ReadmeSnippetTests
{
    [Fact]
    public void EveryReadmeCSharpBlockIsATestedSnippet()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "MLSae.Tests", "Readme", "ReadmeSnippets.cs"));
        var regions = Region().Matches(source).ToDictionary(m => m.Groups[1].Value, m => Dedent(m.Groups[2].Value));
        var blocks = Block().Matches(readme).ToList();
        Assert.NotEmpty(blocks);
        Assert.Equal(Regex.Matches(readme, "```csharp").Count, blocks.Count);   // no unmarked C# blocks
        foreach (Match b in blocks)
        {
            var name = b.Groups[1].Value;
            Assert.True(regions.ContainsKey(name), $"README snippet '{name}' has no #region {name} in ReadmeSnippets.cs.");
            Assert.Equal(regions[name], b.Groups[2].Value.TrimEnd());
        }
    }

    static string Dedent(string code)
    {
        var lines = code.Replace("\r", "").Split('\n').Where(l => l.Trim().Length > 0).ToList();
        int indent = lines.Min(l => l.Length - l.TrimStart().Length);
        return string.Join("\n", code.Replace("\r", "").Trim('\n').Split('\n').Select(l => l.Length >= indent ? l[indent..] : l.TrimStart())).TrimEnd();
    }

    [GeneratedRegex(@"#region ([\w-]+)\r?\n(.*?)\r?\n\s*#endregion", RegexOptions.Singleline)]
    private static partial Regex Region();

    [GeneratedRegex(@"<!-- snippet: ([\w-]+) -->\r?\n```csharp\r?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();
}
