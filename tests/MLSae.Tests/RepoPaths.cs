namespace MLSae.Tests;

/// <summary>Locates the repository and the test fixtures from the test binary's folder.</summary>
static class RepoPaths
{
    static readonly Lazy<string> s_root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLSae.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"MLSae.sln not found above {AppContext.BaseDirectory}.");
    });

    /// <summary>The repository root (the folder holding MLSae.sln).</summary>
    public static string Root => s_root.Value;

    /// <summary>
    /// A file of tests/MLSae.Tests/Fixtures: real text excerpts shipped with the repository (source and licence in the
    /// README there), so a plain clone passes every test without anything beside it.
    /// </summary>
    public static string Fixture(string name)
    {
        var path = Path.Combine(Root, "tests", "MLSae.Tests", "Fixtures", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Test fixture '{path}' is missing (see tests/MLSae.Tests/Fixtures/README.md).", path);
    }

    /// <summary>Brown Corpus excerpt: 200 news paragraphs, then 100 government and 100 romance ones (JSON lines).</summary>
    public static string BrownExcerpt => Fixture("brown-excerpt.jsonl");

    /// <summary>Moby-Dick chapters 1-7 (plain text, paragraphs separated by blank lines).</summary>
    public static string MobyDick => Fixture("moby-dick-ch1-7.txt");

    // Scratch lives under <temp>/mlsae-tests/<process id>. The test host is often killed rather than exiting after a
    // run, so a run deletes its own folder at exit when it can and the folders of finished runs when it starts.
    static readonly Lazy<string> s_scratch = new(() =>
    {
        var parent = Path.Combine(Path.GetTempPath(), "mlsae-tests");
        Directory.CreateDirectory(parent);
        foreach (var dir in Directory.EnumerateDirectories(parent))
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || !IsRunning(pid)) TryDelete(dir);
        var own = Path.Combine(parent, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(own);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(own);
        return own;
    });

    /// <summary>A fresh empty folder under this test run's scratch folder, unique per call.</summary>
    public static string NewTempDir(string prefix = "mlsae-test")
    {
        var path = Path.Combine(s_scratch.Value, $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    static bool IsRunning(int pid)
    {
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
