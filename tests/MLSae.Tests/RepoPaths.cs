namespace MLSae.Tests;

/// <summary>Locates the repository and the shared test data from the test binary's folder.</summary>
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

    /// <summary>../shared/data beside the repository: real text for integration tests.</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

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
