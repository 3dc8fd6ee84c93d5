namespace MLSae.Tests.Foundation;

/// <summary>
/// A user's clone has nothing beside it: the library, the CLI, the examples and the tests must not reach for
/// ../shared (the project's own measurement data). Benchmarks and scripts under eng/ may; they are measurements.
/// </summary>
public class NoSharedDataTests
{
    [Fact]
    public void NoSourceOutsideBenchmarksReadsTheSharedFolderBesideTheRepository()
    {
        var root = RepoPaths.Root;
        var self = Path.Combine(root, "tests", "MLSae.Tests", "Foundation", "NoSharedDataTests.cs");
        string[] patterns = ["../shared", "..\\shared", "\"shared\", \"data\"", "\"..\", \"shared\""];
        var offenders = new[] { "src", "tests", "examples" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && f != self)
            .Where(f => { var text = File.ReadAllText(f); return patterns.Any(p => text.Contains(p, StringComparison.Ordinal)); })
            .Select(f => Path.GetRelativePath(root, f)).ToList();
        Assert.True(offenders.Count == 0, "These read ../shared, which a user's clone lacks; ship a fixture (tests/MLSae.Tests/Fixtures) instead: " + string.Join(", ", offenders));
    }
}
