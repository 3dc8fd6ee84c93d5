using System.Security.Cryptography;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using MLSae.Activations.Cache;
using MLSae.Persistence;

namespace MLSae.Runs.Storage;

/// <summary>What <see cref="ObjectStoreFolder.Push"/> or <see cref="ObjectStoreFolder.Pull"/> did.</summary>
/// <param name="Files">Files the folder holds.</param>
/// <param name="Transferred">Files copied in this call (the others were already there with the same content).</param>
/// <param name="Bytes">Bytes copied in this call.</param>
public sealed record ObjectStoreTransfer(int Files, int Transferred, long Bytes);

/// <summary>
/// Copies a finished folder (an activation cache, a run folder) to and from <c>s3://bucket/prefix</c>. The remote
/// folder is complete only once its listing object (<see cref="ListingName"/>: every file with its size and SHA-256)
/// exists; it is written last, and a PUT replaces an object atomically, so a reader never takes a half-uploaded folder
/// for a whole one. A push killed half-way leaves no (or the previous) listing, and pushing again skips the files
/// already there with the right hash. A pull writes each file atomically and checks its hash.
/// </summary>
public sealed class ObjectStoreFolder(IAmazonS3 client)
{
    /// <summary>The listing object, written last: the remote folder's commit record.</summary>
    public const string ListingName = ".mlsae-listing.json";
    const string HashMetadata = "x-amz-meta-sha256";

    sealed record Listing(List<ListedFile> Files);
    sealed record ListedFile(string Path, long Bytes, string Sha256);

    /// <summary>
    /// Uploads every file of <paramref name="localDirectory"/> (recursively; lock and temp files skipped) to
    /// <paramref name="remote"/>, then the listing. <paramref name="uploaded"/> is told each file as it lands.
    /// </summary>
    public ObjectStoreTransfer Push(string localDirectory, ObjectStoreLocation remote, Action<string>? uploaded = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var dir = Path.GetFullPath(localDirectory);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"'{dir}' does not exist; nothing to push.");
        if (File.Exists(Path.Combine(dir, ActivationCacheDefaults.ManifestFileName)) && ActivationCacheManifest.Load(dir) is var m && (!m.Complete || m.Parts.Count > 0))
            throw new InvalidOperationException(m.Parts.Count > 0
                ? $"'{dir}' is a merged cache (its rows are in {string.Join(", ", m.Parts.Select(p => p.Path))}); push the caches it joins instead."
                : $"The activation cache '{dir}' is incomplete ({m.TotalRows} rows so far); finish the extraction (resume it) before pushing it.");
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(f => !Skipped(f)).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new InvalidOperationException($"'{dir}' holds no files to push.");
        var listing = new Listing([]);
        int transferred = 0;
        long bytes = 0;
        foreach (var file in files)
        {
            cancellation.ThrowIfCancellationRequested();
            var path = Path.Combine(dir, file);
            var hash = Sha256(path);
            long length = new FileInfo(path).Length;
            listing.Files.Add(new ListedFile(file, length, hash));
            if (RemoteHash(remote.Bucket, remote.Key(file), cancellation) == hash) continue;   // uploaded by an earlier, interrupted push
            // Plain signed payloads: some S3-compatible servers (s3rver) store aws-chunked bodies verbatim.
            var put = new PutObjectRequest { BucketName = remote.Bucket, Key = remote.Key(file), FilePath = path, UseChunkEncoding = false };
            put.Metadata.Add(HashMetadata, hash);
            client.PutObjectAsync(put, cancellation).GetAwaiter().GetResult();
            transferred++;
            bytes += length;
            uploaded?.Invoke(file);
        }
        client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = remote.Bucket, Key = remote.Key(ListingName), ContentBody = JsonSerializer.Serialize(listing), ContentType = "application/json", UseChunkEncoding = false,
        }, cancellation).GetAwaiter().GetResult();
        return new ObjectStoreTransfer(files.Count, transferred, bytes);
    }

    /// <summary>
    /// Downloads the folder at <paramref name="remote"/> into <paramref name="localDirectory"/>: only a complete
    /// remote folder (its listing exists), each file written atomically and checked against the listing's SHA-256; files
    /// already there with that hash are kept.
    /// </summary>
    /// <exception cref="InvalidOperationException">The remote folder has no listing: it is incomplete or not there.</exception>
    public ObjectStoreTransfer Pull(ObjectStoreLocation remote, string localDirectory, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var listing = ReadListing(remote, cancellation)
            ?? throw new InvalidOperationException($"{remote} holds no complete folder (no {ListingName}): its push was interrupted or never ran. Push it again to complete it.");
        var dir = Path.GetFullPath(localDirectory);
        int transferred = 0;
        long bytes = 0;
        foreach (var f in listing.Files)
        {
            cancellation.ThrowIfCancellationRequested();
            if (f.Path.Split('/').Any(p => p is ".." or "") || Path.IsPathRooted(f.Path))
                throw new InvalidDataException($"{remote}/{ListingName} lists '{f.Path}', which is not a path inside the folder.");
            var path = Path.Combine(dir, f.Path);
            if (File.Exists(path) && new FileInfo(path).Length == f.Bytes && Sha256(path) == f.Sha256) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var response = client.GetObjectAsync(remote.Bucket, remote.Key(f.Path), cancellation).GetAwaiter().GetResult())
                AtomicFile.Write(path, s => response.ResponseStream.CopyTo(s));
            var hash = Sha256(path);
            if (hash != f.Sha256)
            {
                File.Delete(path);
                throw new InvalidDataException($"{remote.Key(f.Path)} has SHA-256 {hash}, but {ListingName} lists {f.Sha256}: the remote folder changed or is damaged. Push it again.");
            }
            transferred++;
            bytes += f.Bytes;
        }
        return new ObjectStoreTransfer(listing.Files.Count, transferred, bytes);
    }

    /// <summary>Whether <paramref name="remote"/> holds a complete folder (its listing exists).</summary>
    public bool IsComplete(ObjectStoreLocation remote, CancellationToken cancellation = default) => ReadListing(remote, cancellation) is not null;

    Listing? ReadListing(ObjectStoreLocation remote, CancellationToken cancellation)
    {
        try
        {
            using var response = client.GetObjectAsync(remote.Bucket, remote.Key(ListingName), cancellation).GetAwaiter().GetResult();
            return JsonSerializer.Deserialize<Listing>(response.ResponseStream)
                ?? throw new InvalidDataException($"{remote}/{ListingName} is empty.");
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    string? RemoteHash(string bucket, string key, CancellationToken cancellation)
    {
        try
        {
            var head = client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellation).GetAwaiter().GetResult();
            return head.Metadata[HashMetadata];
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    // Locks, atomic-write temporaries and the listing itself are never copied.
    static bool Skipped(string relativePath)
    {
        var name = Path.GetFileName(relativePath);
        return name == ListingName || name.EndsWith(".tmp", StringComparison.Ordinal) || FolderLock.IsLockFile(name);
    }

    static string Sha256(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
