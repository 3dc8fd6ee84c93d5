namespace MLSae.Transformers.Hub;

/// <summary>
/// What the Hub says about one file before downloading it (from a HEAD on the resolve URL).
/// For LFS files the Hub answers with a redirect to its CDN that carries <c>X-Linked-Etag</c>
/// (the file's SHA-256) and <c>X-Linked-Size</c>; for regular git files <c>ETag</c> is the git blob
/// SHA-1. <c>X-Repo-Commit</c> is the commit the revision resolved to.
/// </summary>
/// <param name="Commit">The commit the revision resolved to.</param>
/// <param name="ETag">Content hash: 64 hex digits (SHA-256) or 40 (git blob SHA-1), quotes removed.</param>
/// <param name="Size">Bytes, or -1 when not sent.</param>
/// <param name="DownloadUrl">Where to GET the content (the CDN location for LFS files).</param>
public readonly record struct HubFileMetadata(string Commit, string ETag, long Size, Uri DownloadUrl);
