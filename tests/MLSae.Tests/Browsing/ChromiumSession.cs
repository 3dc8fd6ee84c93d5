using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLSae.Tests.Browsing;

/// <summary>
/// Headless chromium driven over the Chrome DevTools Protocol (a WebSocket, no extra package, nothing downloaded):
/// real mouse clicks and key presses, page script evaluation, console errors and uncaught exceptions, screenshots.
/// Playwright's browser download is not reachable here, and Debian's chromium speaks the protocol itself.
/// </summary>
sealed class ChromiumSession : IAsyncDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    readonly Process _process;
    readonly ClientWebSocket _socket = new();
    readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    readonly CancellationTokenSource _stop = new();
    readonly ConcurrentQueue<string> _errors = new();
    Task? _receive;
    int _nextId;

    ChromiumSession(Process process) => _process = process;

    /// <summary>Console errors, uncaught exceptions and failed loads the page reported, in order.</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Starts chromium with a fresh profile and attaches to its first page (viewport 1200 x 900).</summary>
    public static async Task<ChromiumSession> StartAsync()
    {
        var profile = RepoPaths.NewTempDir("mlsae-chromium-profile");
        var psi = new ProcessStartInfo(ChromiumFactAttribute.Path) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--remote-debugging-port=0", "--remote-allow-origins=*",
            "--window-size=1200,900", "--hide-scrollbars", $"--user-data-dir={profile}", "about:blank" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        _ = process.StandardError.ReadToEndAsync();   // drained so chromium never blocks on a full pipe
        _ = process.StandardOutput.ReadToEndAsync();
        var session = new ChromiumSession(process);
        try
        {
            // Chromium writes the port it chose to DevToolsActivePort in the profile once it listens.
            var portFile = Path.Combine(profile, "DevToolsActivePort");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(portFile) || File.ReadAllLines(portFile).Length < 1)
            {
                if (process.HasExited) throw new InvalidOperationException($"chromium exited with code {process.ExitCode} before listening.");
                if (clock.Elapsed > Timeout) throw new TimeoutException("chromium did not open its DevTools port within 60 s.");
                await Task.Delay(50);
            }
            int port = int.Parse(File.ReadAllLines(portFile)[0], System.Globalization.CultureInfo.InvariantCulture);
            using var http = new HttpClient();
            string? pageSocket = null;
            while (pageSocket is null)
            {
                var targets = JsonNode.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list")))!.AsArray();
                pageSocket = targets.FirstOrDefault(t => (string?)t!["type"] == "page")?["webSocketDebuggerUrl"]?.GetValue<string>();
                if (pageSocket is null) await Task.Delay(50);
            }
            await session._socket.ConnectAsync(new Uri(pageSocket), CancellationToken.None);
            session._receive = Task.Run(session.ReceiveLoop);
            foreach (var domain in new[] { "Page.enable", "Runtime.enable", "Log.enable" }) await session.SendAsync(domain);
            await session.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 1200, ["height"] = 900, ["deviceScaleFactor"] = 1, ["mobile"] = false });
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one protocol command and returns its result; a protocol error throws.</summary>
    public async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        return await tcs.Task.WaitAsync(Timeout);
    }

    async Task ReceiveLoop()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var r = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage) continue;
                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                if (node["id"] is { } idNode && _pending.TryRemove(idNode.GetValue<int>(), out var tcs))
                {
                    if (node["error"] is { } error) tcs.TrySetException(new InvalidOperationException($"DevTools: {error.ToJsonString()}"));
                    else tcs.TrySetResult(node["result"] ?? new JsonObject());
                }
                else Observe((string?)node["method"], node["params"]);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        foreach (var p in _pending.Values) p.TrySetCanceled();
    }

    void Observe(string? method, JsonNode? p)
    {
        if (method == "Runtime.exceptionThrown")
            _errors.Enqueue("uncaught: " + (p?["exceptionDetails"]?["exception"]?["description"] ?? p?["exceptionDetails"]?["text"]));
        else if (method == "Runtime.consoleAPICalled" && p?["type"]?.GetValue<string>() is "error" or "assert")
            _errors.Enqueue("console.error: " + string.Join(" ", p["args"]!.AsArray().Select(a => a?["value"]?.ToString() ?? a?["description"]?.ToString())));
        else if (method == "Log.entryAdded" && p?["entry"]?["level"]?.GetValue<string>() == "error")
            _errors.Enqueue("log: " + p["entry"]!["text"] + " " + p["entry"]!["url"]);
    }

    /// <summary>Opens <paramref name="url"/> and waits until the document has loaded.</summary>
    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync($"location.href === {JsonSerializer.Serialize(url)} && document.readyState === 'complete'");
    }

    /// <summary>The value of a page expression (JSON-serialisable), or null.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var r = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (r["exceptionDetails"] is { } ex) throw new InvalidOperationException($"'{expression}' threw: {ex["exception"]?["description"] ?? ex["text"]}");
        return r["result"]?["value"];
    }

    /// <summary>Polls until <paramref name="condition"/> is truthy (navigation in between is fine); throws after 60 s naming it.</summary>
    public async Task WaitForAsync(string condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await EvaluateAsync($"!!({condition})") is JsonValue v && v.GetValue<bool>()) return;
            }
            catch (InvalidOperationException) when (clock.Elapsed < Timeout) { }   // the page is between documents
            if (clock.Elapsed > Timeout) throw new TimeoutException($"The page never satisfied: {condition}. Errors: {string.Join(" | ", _errors)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Scrolls the first element matching <paramref name="selector"/> into view and clicks its centre with the mouse.</summary>
    public async Task ClickAsync(string selector)
    {
        var box = await EvaluateAsync($$"""
            (function () { var e = document.querySelector({{JsonSerializer.Serialize(selector)}}); if (!e) return null;
              e.scrollIntoView({ block: "center" }); var r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()
            """) ?? throw new InvalidOperationException($"Nothing on the page matches '{selector}'.");
        double x = box[0]!.GetValue<double>(), y = box[1]!.GetValue<double>();
        foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
            await SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = "left", ["clickCount"] = type == "mouseMoved" ? 0 : 1 });
    }

    /// <summary>Clicks into <paramref name="selector"/> and types <paramref name="text"/> key by key.</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await ClickAsync(selector);
        foreach (var c in text)
        {
            var key = c.ToString();
            await SendAsync("Input.dispatchKeyEvent", new JsonObject { ["type"] = "keyDown", ["key"] = key, ["text"] = key });
            await SendAsync("Input.dispatchKeyEvent", new JsonObject { ["type"] = "keyUp", ["key"] = key });
        }
    }

    /// <summary>A PNG of the viewport.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var r = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(r["data"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        try { if (_socket.State == WebSocketState.Open) await SendAsync("Browser.close").WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or WebSocketException or TaskCanceledException) { }
        await _stop.CancelAsync();
        if (_receive is not null) await _receive.ConfigureAwait(false);
        _socket.Dispose();
        if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _stop.Dispose();
    }
}
