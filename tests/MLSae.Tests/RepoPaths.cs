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

    /// <summary>A fresh empty folder under the system temp directory, unique per call.</summary>
    public static string NewTempDir(string prefix = "mlsae-test")
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
