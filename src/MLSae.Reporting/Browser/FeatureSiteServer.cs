using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MLSae.Reporting.Browser;

/// <summary>
/// Serves a <see cref="FeatureSiteContent"/> on http://127.0.0.1:PORT/ (System.Net.HttpListener, no extra dependency):
/// pages are the same as the static site's, and each feature chunk is rendered when a browser asks for it, so an SAE too
/// large to pre-render is browsable without writing hundreds of megabytes. Loopback only; GET and HEAD.
/// </summary>
public sealed class FeatureSiteServer : IDisposable
{
    readonly HttpListener _listener;
    readonly FeatureSiteContent _site;
    readonly Task _loop;

    FeatureSiteServer(HttpListener listener, FeatureSiteContent site, Uri address)
    {
        _listener = listener;
        _site = site;
        Address = address;
        _loop = Task.Run(Loop);
    }

    /// <summary>The site's root, e.g. http://127.0.0.1:8777/.</summary>
    public Uri Address { get; }

    /// <summary>Starts serving <paramref name="site"/> on loopback <paramref name="port"/> (0: a free port).</summary>
    public static FeatureSiteServer Start(FeatureSiteContent site, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        for (int attempt = 0; ; attempt++)
        {
            int p = port == 0 ? FreePort() : port;
            var listener = new HttpListener();
            var address = new Uri($"http://127.0.0.1:{p}/");
            listener.Prefixes.Add(address.AbsoluteUri);
            try
            {
                listener.Start();
                return new FeatureSiteServer(listener, site, address);
            }
            catch (HttpListenerException) when (port == 0 && attempt < 5) { listener.Close(); }   // the free port was taken meanwhile
            catch (HttpListenerException e)
            {
                listener.Close();
                throw new IOException($"Cannot listen on {address}: {e.Message}. Choose another port.", e);
            }
        }
    }

    static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Respond(context));
        }
    }

    void Respond(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath).TrimStart('/');
            if (path.Length == 0 || path.EndsWith('/')) path += "index.html";
            byte[]? body = context.Request.HttpMethod is "GET" or "HEAD" ? _site.File(path) : null;
            if (body is null)
            {
                response.StatusCode = context.Request.HttpMethod is "GET" or "HEAD" ? 404 : 405;
                body = Encoding.UTF8.GetBytes($"{response.StatusCode}: no '{path}' in this feature site.\n");
                response.ContentType = "text/plain; charset=utf-8";
            }
            else response.ContentType = ContentType(path);
            response.ContentLength64 = body.Length;
            if (context.Request.HttpMethod != "HEAD") response.OutputStream.Write(body);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }   // the browser went away
        finally
        {
            try { response.Close(); } catch (ObjectDisposedException) { }
        }
    }

    static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        if (_listener.IsListening) _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
