using System.Net;
using System.Net.Http.Headers;
using MLSae.Diagnostics;

namespace MLSae.Transformers.Hub;

/// <summary>
/// Downloads files from a Hugging Face Hub repo into the Hub's own cache layout
/// (<see cref="HubCacheLayout"/>), like huggingface_hub's hf_hub_download: a HEAD on
/// <c>{endpoint}/{repo}/resolve/{revision}/{file}</c> gives the commit, the content hash and the
/// CDN location; the content goes to <c>blobs/{etag}.incomplete</c>, resuming with HTTP Range
/// after a broken connection; the hash is checked (SHA-256 for LFS files, git blob SHA-1 for
/// others) before the blob is renamed into place and linked from the snapshot.
/// </summary>
public sealed class HubDownloader : IDisposable
{
    readonly HubOptions _options;
    readonly HttpClient _head;   // redirects handled by hand: the CDN redirect carries the metadata
    readonly HttpClient _get;    // follows redirects (and drops Authorization when it does)

    /// <summary>A downloader using <paramref name="options"/> (defaults: the environment, like huggingface_hub).</summary>
    public HubDownloader(HubOptions? options = null)
    {
        _options = options ?? new HubOptions();
        _head = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromMinutes(2) };
        _get = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true }) { Timeout = Timeout.InfiniteTimeSpan };
        foreach (var c in new[] { _head, _get }) c.DefaultRequestHeaders.UserAgent.ParseAdd("mlsae/1.0");
    }

    /// <summary>The options in use.</summary>
    public HubOptions Options => _options;

    /// <summary>The resolve URL of <paramref name="file"/> at <paramref name="revision"/>.</summary>
    public Uri ResolveUrl(string repoId, string revision, string file) =>
        new($"{_options.Endpoint.TrimEnd('/')}/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{file}");

    /// <summary>Downloads one file (or finds it in the cache) and returns its snapshot path.</summary>
    public async Task<string> DownloadFileAsync(string repoId, string file, string revision = HubDefaults.Revision,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckRepoId(repoId);
        var layout = new HubCacheLayout(_options.CacheDirectory, repoId);
        HubFileMetadata meta;
        try
        {
            meta = await GetMetadataAsync(repoId, revision, file, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (CachedSnapshotFile(layout, revision, file) is not null)
        {
            MLSaeLog.Info($"Hub unreachable ({e.Message}); using cached {repoId}@{revision} {file}.");
            return CachedSnapshotFile(layout, revision, file)!;
        }

        var blob = layout.Blob(meta.ETag);
        if (!File.Exists(blob) || (meta.Size >= 0 && new FileInfo(blob).Length != meta.Size))
        {
            await DownloadBlobAsync(layout, meta, $"{repoId}/{file}", progress, cancellationToken).ConfigureAwait(false);
        }
        layout.WriteRef(revision, meta.Commit);
        return layout.LinkSnapshot(meta.Commit, file, meta.ETag);
    }

    /// <summary>HEADs the resolve URL, following relative redirects (renamed repos) until the Hub's metadata appears.</summary>
    public async Task<HubFileMetadata> GetMetadataAsync(string repoId, string revision, string file, CancellationToken cancellationToken = default)
    {
        var url = ResolveUrl(repoId, revision, file);
        for (int hop = 0; hop < 10; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            request.Headers.AcceptEncoding.ParseAdd("identity"); // compressed responses would change the ETag
            Authorize(request, url);
            using var response = await _head.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var commit = Header(response, "X-Repo-Commit");
            var etag = Header(response, "X-Linked-Etag") ?? Header(response, "ETag");
            bool redirect = (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is not null;
            if (redirect && commit is null)
            {
                url = new Uri(url, response.Headers.Location!);
                continue;
            }
            if (!response.IsSuccessStatusCode && !redirect) throw Failure(response, repoId, revision, file);
            if (commit is null)
                throw new HubRequestException($"{url} answered without an X-Repo-Commit header, so it is not a Hugging Face Hub (check HF_ENDPOINT = '{_options.Endpoint}').", response.StatusCode, null);
            if (etag is null)
                throw new HubRequestException($"{url} answered without an ETag; cannot name or check the file.", response.StatusCode, null);
            long size = long.TryParse(Header(response, "X-Linked-Size"), out var s) ? s : response.Content.Headers.ContentLength ?? -1;
            var download = redirect ? new Uri(url, response.Headers.Location!) : url;
            return new HubFileMetadata(commit, NormalizeETag(etag), size, download);
        }
        throw new HubRequestException($"{ResolveUrl(repoId, revision, file)}: too many redirects.", HttpStatusCode.Redirect, null);
    }

    async Task DownloadBlobAsync(HubCacheLayout layout, HubFileMetadata meta, string what, IProgress<ProgressInfo>? progress, CancellationToken ct)
    {
        var tmp = layout.Incomplete(meta.ETag);
        Directory.CreateDirectory(Path.GetDirectoryName(tmp)!);
        for (int attempt = 1; ; attempt++)
        {
            long have = File.Exists(tmp) ? new FileInfo(tmp).Length : 0;
            if (meta.Size >= 0 && have == meta.Size) break;
            if (meta.Size >= 0 && have > meta.Size) { File.Delete(tmp); have = 0; }
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, meta.DownloadUrl);
                Authorize(request, meta.DownloadUrl);
                request.Headers.AcceptEncoding.ParseAdd("identity");
                if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
                using var response = await _get.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) { File.Delete(tmp); continue; }
                if (!response.IsSuccessStatusCode) throw Failure(response, what, "", "");
                bool append = response.StatusCode == HttpStatusCode.PartialContent;
                if (have > 0 && !append) MLSaeLog.Info($"{what}: server ignored the resume request; downloading from the start.");
                await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await using var file = new FileStream(tmp, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                long done = append ? have : 0;
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    done += n;
                    progress?.Report(new ProgressInfo(done, Math.Max(meta.Size, 0), "bytes", what));
                }
                if (meta.Size < 0 || done == meta.Size) break;
                throw new IOException($"connection closed after {done} of {meta.Size} bytes");
            }
            catch (Exception e) when (e is IOException or HttpRequestException && e is not HubRequestException && attempt < _options.MaxAttempts)
            {
                long now = File.Exists(tmp) ? new FileInfo(tmp).Length : 0;
                MLSaeLog.Info($"{what}: transfer interrupted at {now:N0} bytes ({e.Message}); resuming (attempt {attempt + 1} of {_options.MaxAttempts}).");
            }
        }

        if (ContentHash.IsCheckable(meta.ETag))
        {
            var actual = ContentHash.Compute(tmp, meta.ETag);
            if (!string.Equals(actual, meta.ETag, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(tmp);
                throw new InvalidDataException($"{what}: downloaded content has {(meta.ETag.Length == 64 ? "SHA-256" : "git SHA-1")} {actual}, but the Hub announced {meta.ETag}. The partial file was deleted; run the command again.");
            }
        }
        else MLSaeLog.Info($"{what}: ETag '{meta.ETag}' is not a content hash; skipping the integrity check.");
        File.Move(tmp, layout.Blob(meta.ETag), overwrite: true);
    }

    HubRequestException Failure(HttpResponseMessage response, string repoId, string revision, string file)
    {
        var code = Header(response, "X-Error-Code");
        var hubMessage = Header(response, "X-Error-Message");
        var said = hubMessage is null ? "" : $" (the Hub says: {hubMessage})";
        var message = code switch
        {
            "RevisionNotFound" => $"Revision '{revision}' does not exist in {repoId}{said}. Pass the revision argument with an existing branch, tag or commit (e.g. main, or step143000 for Pythia's training checkpoints).",
            "EntryNotFound" => $"{repoId} has no file '{file}' at revision '{revision}'{said}.",
            "RepoNotFound" => $"Repository '{repoId}' was not found on {_options.Endpoint}{said}. Check the name; for a private repo set HF_TOKEN.",
            "GatedRepo" => $"Repository '{repoId}' is gated{said}: accept its terms on the Hub and set HF_TOKEN to a token of that account.",
            _ when response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                $"{repoId}: access denied ({(int)response.StatusCode}){said}. Set HF_TOKEN to a token that can read it.",
            _ when response.StatusCode == HttpStatusCode.NotFound =>
                $"{repoId}: '{file}' at revision '{revision}' not found ({response.RequestMessage?.RequestUri}){said}.",
            _ => $"{repoId}: '{file}' at revision '{revision}' failed with HTTP {(int)response.StatusCode} {response.ReasonPhrase}{said}.",
        };
        return new HubRequestException(message, response.StatusCode, code);
    }

    void Authorize(HttpRequestMessage request, Uri url)
    {
        // Send the token only to the Hub itself, never to a CDN on another host.
        if (_options.Token is { } token && string.Equals(url.Host, new Uri(_options.Endpoint).Host, StringComparison.OrdinalIgnoreCase))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault()
        : response.Content.Headers.TryGetValues(name, out var c) ? c.FirstOrDefault() : null;

    static string NormalizeETag(string etag)
    {
        if (etag.StartsWith("W/", StringComparison.Ordinal)) etag = etag[2..];
        return etag.Trim('"');
    }

    static string? CachedSnapshotFile(HubCacheLayout layout, string revision, string file)
    {
        var commit = layout.ReadRef(revision) ?? (IsCommit(revision) ? revision : null);
        if (commit is null) return null;
        var path = Path.Combine(layout.Snapshot(commit), file);
        return File.Exists(path) ? path : null;
    }

    static bool IsCommit(string revision) => revision.Length == 40 && revision.All(Uri.IsHexDigit);

    static void CheckRepoId(string repoId)
    {
        var parts = repoId.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || p is "." or ".."))
            throw new ArgumentException($"'{repoId}' is not a Hub repo id; expected 'org/name', e.g. EleutherAI/pythia-70m.", nameof(repoId));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _head.Dispose();
        _get.Dispose();
    }
}
