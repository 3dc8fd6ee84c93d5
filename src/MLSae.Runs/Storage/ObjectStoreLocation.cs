namespace MLSae.Runs.Storage;

/// <summary>A folder in an S3-compatible bucket: <c>s3://bucket/prefix</c>.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Prefix">The key prefix of the folder, without leading or trailing slash ("" for the bucket's root).</param>
public sealed record ObjectStoreLocation(string Bucket, string Prefix)
{
    /// <summary>"s3://".</summary>
    public const string Scheme = "s3://";

    /// <summary>Whether <paramref name="path"/> names an object-store folder rather than a local one.</summary>
    public static bool IsObjectStore(string? path) => path is not null && path.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses <c>s3://bucket/prefix</c>.</summary>
    /// <exception cref="ArgumentException">Not of that form.</exception>
    public static ObjectStoreLocation Parse(string uri)
    {
        if (!IsObjectStore(uri))
            throw new ArgumentException($"'{uri}' is not an object-store location; write s3://bucket/prefix.");
        var rest = uri[Scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket.Length == 0) throw new ArgumentException($"'{uri}' names no bucket; write s3://bucket/prefix.");
        return new ObjectStoreLocation(bucket, slash < 0 ? "" : rest[(slash + 1)..].Trim('/'));
    }

    /// <summary>The key of <paramref name="relativePath"/> (forward slashes) inside this folder.</summary>
    public string Key(string relativePath) => Prefix.Length == 0 ? relativePath : $"{Prefix}/{relativePath}";

    /// <summary>"s3://bucket/prefix".</summary>
    public override string ToString() => Prefix.Length == 0 ? $"{Scheme}{Bucket}" : $"{Scheme}{Bucket}/{Prefix}";
}
