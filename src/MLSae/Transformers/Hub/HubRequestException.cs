using System.Net;

namespace MLSae.Transformers.Hub;

/// <summary>The Hub refused a request: missing repo, revision or file, gated repo, server error.</summary>
/// <param name="message">What failed and what to do.</param>
/// <param name="status">The HTTP status.</param>
/// <param name="errorCode">The Hub's X-Error-Code header (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo), if sent.</param>
public sealed class HubRequestException(string message, HttpStatusCode status, string? errorCode) : IOException(message)
{
    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The Hub's X-Error-Code header, if sent.</summary>
    public string? ErrorCode { get; } = errorCode;

    /// <summary>True when the file does not exist at that revision (the repo and revision do).</summary>
    public bool IsEntryNotFound => ErrorCode == "EntryNotFound";
}
