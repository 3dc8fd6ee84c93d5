using System.CommandLine;
using System.Diagnostics;
using MLSae.Browsing;
using MLSae.Cli.Rendering;
using MLSae.Reporting.Browser;
using MLSae.Runs;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae browse --sae RUN --activations CACHE --out SITE`: a static feature browser (index table, feature pages with shaded
/// contexts) that opens from the file system; <see cref="FeatureSiteRun"/> computes it, this command writes or serves it.
/// Layout and JSON export: docs/browser.md.
/// </summary>
static class BrowseCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: run folder (its feature_history.bin gives the sparklines), .onnx, ML.NET model zip, SAELens or sparsify folder.", Required = true };
        var activations = new Option<string>("--activations") { Description = "Activation-cache folder (from `mlsae extract`) of the SAE's model and hook.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write the site to (open SITE/index.html in a browser); not needed with --serve." };
        var compare = new Option<string>("--compare") { Description = "A second SAE of the same model and hook (e.g. another seed): its features matched to --sae's by decoder cosine, side by side in compare.html; its own pages under b/." };
        var serve = new Option<bool>("--serve") { Description = "Serve the site on http://127.0.0.1:PORT/ instead of (or as well as) writing it, rendering feature pages when asked for; Ctrl+C stops." };
        var port = new Option<int>("--port") { Description = "Port for --serve (0: a free one).", DefaultValueFactory = _ => 8777 };
        var top = new Option<int>("--top") { Description = "Top activating contexts per feature.", DefaultValueFactory = _ => new FeatureBrowserOptions().TopContexts };
        var batch = new Option<int>("--batch-size") { Description = "Rows encoded per ONNX Runtime run.", DefaultValueFactory = _ => new FeatureBrowserOptions().BatchSize };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing site folder." };
        var cpu = new Option<bool>("--cpu") { Description = "Do not try CUDA." };
        var json = new Option<bool>("--json") { Description = "Also write the data as plain JSON files under json/ for other tools (data/*.js holds the same JSON behind a one-line prefix); doubles the site." };
        var command = new Command("browse", "Write a static feature browser (open SITE/index.html; no server needed).") { sae, activations, output, top, batch, overwrite, cpu, json, compare, serve, port };
        command.SetAction(parse => Run(new BrowseRequest(parse.GetValue(sae)!, parse.GetValue(activations)!, parse.GetValue(output), parse.GetValue(top),
            parse.GetValue(batch), parse.GetValue(overwrite), parse.GetValue(cpu), parse.GetValue(json), parse.GetValue(compare), parse.GetValue(serve), parse.GetValue(port))));
        return command;
    }

    sealed record BrowseRequest(string Sae, string Cache, string? Out, int Top, int Batch, bool Overwrite, bool Cpu, bool Json, string? Compare, bool Serve, int Port);

    static int Run(BrowseRequest r)
    {
        try
        {
            if (r.Out is null && !r.Serve) throw new ArgumentException("Pass --out SITE to write the site, or --serve to browse it on localhost.");
            if (r.Out is not null && Directory.Exists(r.Out) && !r.Overwrite)
                throw new IOException($"The site folder '{r.Out}' already exists; pass --overwrite to replace it or choose another --out.");
            if (r.Port is < 0 or > 65535) throw new ArgumentException($"--port must be between 0 and 65535 (got {r.Port}).");
            var options = new FeatureSiteRunOptions
            {
                Browser = new FeatureBrowserOptions { TopContexts = r.Top, BatchSize = r.Batch }, Compare = r.Compare, PreferCuda = !r.Cpu,
            };
            var build = FeatureSiteRun.Build(r.Sae, r.Cache, options, ConsoleRunProgress.NotesOnStandardError());
            if (r.Out is not null)
            {
                var clock = Stopwatch.StartNew();
                FeatureSiteWriter.Write(build.Data, r.Out, Path.GetFullPath(r.Sae), r.Overwrite, r.Json, build.Comparison);
                Console.Out.WriteLine($"{build.Data.Features.Length:N0} features x {build.Tokens:N0} tokens: statistics and contexts {build.Elapsed.TotalSeconds:F1} s, site written {clock.Elapsed.TotalSeconds:F1} s -> {Path.Combine(Path.GetFullPath(r.Out), "index.html")}");
            }
            if (r.Serve) Serve(build.Site, r.Port);
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("browse", e);
        }
    }

    /// <summary>Serves until Ctrl+C (or standard input closes when it is not a terminal, so a parent process can stop it).</summary>
    static void Serve(FeatureSiteContent site, int port)
    {
        using var server = FeatureSiteServer.Start(site, port);
        using var stop = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Set(); };
        Console.Out.WriteLine($"serving {server.Address}index.html (Ctrl+C stops)");
        Console.Out.Flush();
        if (Console.IsInputRedirected) _ = Task.Run(() => { Console.In.ReadToEnd(); stop.Set(); });
        stop.Wait();
    }
}
