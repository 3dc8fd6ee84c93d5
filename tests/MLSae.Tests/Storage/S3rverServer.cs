using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using MLSae.Runs.Storage;

namespace MLSae.Tests.Storage;

/// <summary>
/// A real S3-compatible server for tests: s3rver (npm, pinned in eng/s3rver) under Node on a free local port, storing
/// objects in a temp folder. <see cref="Kill"/> stops it like a crash; <see cref="Start"/> brings it back on the same
/// port and data.
/// </summary>
sealed class S3rverServer : IDisposable
{
    public const string Bucket = "mlsae";
    readonly string _data = RepoPaths.NewTempDir("mlsae-s3rver");
    Process? _process;

    public S3rverServer()
    {
        Port = FreePort();
        Start();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    public static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);

    static string Script()
    {
        var folder = Path.Combine(RepoPaths.Root, "eng", "s3rver");
        var script = Path.Combine(folder, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            // .ci/run installs it; a developer's first run does the same here.
            using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--prefix", folder]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            npm.WaitForExit(300_000);
            if (!File.Exists(script)) throw new InvalidOperationException($"npm ci in {folder} did not install s3rver: {npm.StandardError.ReadToEnd()}");
        }
        return script;
    }

    public void Start()
    {
        var psi = new ProcessStartInfo(FindNode()!, [Script(), "-d", _data, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--silent", "--configure-bucket", Bucket]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(psi)!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Kills the server process at once (no graceful shutdown).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p) { p.Kill(entireProcessTree: true); p.WaitForExit(); }
    }

    /// <summary>A client with s3rver's fixed credentials and few retries (a killed server fails fast).</summary>
    public IAmazonS3 Client() =>
        new ObjectStoreOptions { ServiceUrl = Url, MaxErrorRetry = 1 }.CreateClient(new BasicAWSCredentials("S3RVER", "S3RVER"));

    static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }
}
