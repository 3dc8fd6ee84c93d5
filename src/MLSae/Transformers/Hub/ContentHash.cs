using System.Security.Cryptography;
using System.Text;

namespace MLSae.Transformers.Hub;

/// <summary>Checks a downloaded file against the Hub's ETag: SHA-256 for LFS files, git blob SHA-1 otherwise.</summary>
static class ContentHash
{
    /// <summary>True when <paramref name="etag"/> is a hash this class can check.</summary>
    public static bool IsCheckable(string etag) => etag.Length is 64 or 40 && etag.All(Uri.IsHexDigit);

    /// <summary>The file's hash in the ETag's flavour, lower-case hex.</summary>
    public static string Compute(string path, string etag)
    {
        using var stream = File.OpenRead(path);
        if (etag.Length == 64) return Convert.ToHexStringLower(SHA256.HashData(stream));
        // git hashes "blob {size}\0" followed by the content.
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer)) > 0) sha1.AppendData(buffer.AsSpan(0, n));
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }
}
