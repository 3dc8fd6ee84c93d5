namespace MLSae.Transformers.Hub;

/// <summary>
/// The Hugging Face cache layout for one model repo, as huggingface_hub writes it:
/// <c>models--{org}--{name}/blobs/{etag}</c> (content, named by sha256 for LFS files or git blob
/// sha1 otherwise), <c>snapshots/{commit}/{file}</c> (relative symlinks to the blobs; copies where
/// symlinks are not allowed) and <c>refs/{revision}</c> (the commit a branch or tag pointed to).
/// </summary>
internal sealed class HubCacheLayout(string cacheDirectory, string repoId)
{
    /// <summary>The repo's folder: models--{org}--{name}.</summary>
    public string RepoDirectory { get; } = Path.Combine(cacheDirectory, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));

    /// <summary>The blob holding content with <paramref name="etag"/>.</summary>
    public string Blob(string etag) => Path.Combine(RepoDirectory, "blobs", etag);

    /// <summary>The partial download of <paramref name="etag"/>.</summary>
    public string Incomplete(string etag) => Blob(etag) + ".incomplete";

    /// <summary>The snapshot folder of <paramref name="commit"/>.</summary>
    public string Snapshot(string commit) => Path.Combine(RepoDirectory, "snapshots", commit);

    /// <summary>The ref file of <paramref name="revision"/>.</summary>
    public string Ref(string revision) => Path.Combine(RepoDirectory, "refs", revision);

    /// <summary>The commit <paramref name="revision"/> pointed to when last fetched, or null.</summary>
    public string? ReadRef(string revision) =>
        File.Exists(Ref(revision)) ? File.ReadAllText(Ref(revision)).Trim() : null;

    /// <summary>Records that <paramref name="revision"/> points to <paramref name="commit"/>.</summary>
    public void WriteRef(string revision, string commit)
    {
        if (revision == commit) return;
        Persistence.AtomicFile.WriteAllText(Ref(revision), commit);
    }

    /// <summary>Links snapshots/{commit}/{file} to the blob (relative symlink, or a copy when links fail).</summary>
    public string LinkSnapshot(string commit, string file, string etag)
    {
        var target = Path.Combine(Snapshot(commit), file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target) || new FileInfo(target).LinkTarget is not null) File.Delete(target);
        var relative = Path.GetRelativePath(Path.GetDirectoryName(target)!, Blob(etag));
        try
        {
            File.CreateSymbolicLink(target, relative);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(Blob(etag), target, overwrite: true);
        }
        return target;
    }
}
