using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace MLSae.Tests.Transformers;

/// <summary>
/// A local stand-in for the Hugging Face Hub on 127.0.0.1 (random free port), serving files in the
/// Hub's URL layout: /{repo}/resolve/{revision}/{file}. Regular files answer 200 with the git blob
/// SHA-1 as ETag; LFS files answer 302 to /cdn/{sha256} with X-Linked-Etag / X-Linked-Size, as the
/// Hub does. Unknown revisions get 404 with X-Error-Code RevisionNotFound. The CDN honours Range and
/// can cut the first transfer off mid-body. A repo alias answers with a relative redirect.
/// </summary>
sealed class FakeHubServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Task _loop;
    public readonly string Repo;
    public readonly string Commit = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    public readonly Dictionary<string, byte[]> Files = new(StringComparer.Ordinal);
    public readonly HashSet<string> LfsFiles = ["model.safetensors"];
    public readonly List<string> Requests = [];
    public int InterruptionsLeft;
    public bool CorruptCdn;

    public FakeHubServer(string repo, string checkpointDir)
    {
        Repo = repo;
        foreach (var f in Directory.GetFiles(checkpointDir)) Files[Path.GetFileName(f)] = File.ReadAllBytes(f);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public string Endpoint { get; }

    public static string Sha256(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));
    public static string GitSha1(byte[] b) => Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {b.Length}\0"), .. b]));

    async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            try { Handle(ctx); }
            catch (Exception) { try { ctx.Response.Abort(); } catch (Exception) { } }
        }
    }

    void Handle(HttpListenerContext ctx)
    {
        var req = ctx.Request; var res = ctx.Response;
        var path = req.Url!.AbsolutePath;
        lock (Requests) Requests.Add($"{req.HttpMethod} {path} {req.Headers["Range"]} auth={req.Headers["Authorization"]}");
        var parts = path.Trim('/').Split('/');
        if (parts.Length >= 5 && $"{parts[0]}/{parts[1]}" == "old-org/renamed" && parts[2] == "resolve")
        {
            res.StatusCode = 307;
            res.RedirectLocation = "/" + Repo + "/" + string.Join('/', parts[2..]); // relative, as the Hub does for renamed repos
            res.Close();
            return;
        }
        if (parts.Length >= 5 && $"{parts[0]}/{parts[1]}" == Repo && parts[2] == "resolve")
        {
            string rev = Uri.UnescapeDataString(parts[3]), file = string.Join('/', parts[4..]);
            if (rev != "main" && rev != Commit) { Error(res, "RevisionNotFound", $"Invalid rev id: {rev}"); return; }
            if (!Files.TryGetValue(file, out var data)) { Error(res, "EntryNotFound", $"{file} does not exist"); return; }
            res.Headers["X-Repo-Commit"] = Commit;
            if (LfsFiles.Contains(file))
            {
                var sha = Sha256(data);
                res.StatusCode = 302;
                res.Headers["X-Linked-Etag"] = $"\"{sha}\"";
                res.Headers["X-Linked-Size"] = data.Length.ToString();
                res.Headers["ETag"] = "\"lfs-pointer-etag\"";
                res.RedirectLocation = $"{Endpoint}/cdn/{sha}";
                res.Close();
                return;
            }
            res.Headers["ETag"] = $"\"{GitSha1(data)}\"";
            Send(req, res, data, 0);
            return;
        }
        if (parts.Length == 2 && parts[0] == "cdn")
        {
            var data = Files.Values.First(f => Sha256(f) == parts[1]);
            if (CorruptCdn) { data = (byte[])data.Clone(); data[^1] ^= 0xFF; }
            long from = 0;
            if (req.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
                from = long.Parse(range[6..].TrimEnd('-'));
            if (from == 0 && InterruptionsLeft > 0)
            {
                InterruptionsLeft--;
                res.StatusCode = 200;
                res.ContentLength64 = data.Length;
                res.OutputStream.Write(data, 0, data.Length / 2);
                res.OutputStream.Flush();
                res.Abort(); // connection dropped mid-body
                return;
            }
            Send(req, res, data, from);
            return;
        }
        res.StatusCode = 404;
        res.Close();
    }

    static void Send(HttpListenerRequest req, HttpListenerResponse res, byte[] data, long from)
    {
        if (from > 0)
        {
            res.StatusCode = 206;
            res.Headers["Content-Range"] = $"bytes {from}-{data.Length - 1}/{data.Length}";
        }
        res.ContentLength64 = data.Length - from;
        if (req.HttpMethod != "HEAD") res.OutputStream.Write(data, (int)from, (int)(data.Length - from));
        res.Close();
    }

    static void Error(HttpListenerResponse res, string code, string message)
    {
        res.StatusCode = 404;
        res.Headers["X-Error-Code"] = code;
        res.Headers["X-Error-Message"] = message;
        res.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
