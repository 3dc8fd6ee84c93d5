using System.CommandLine;
using System.Diagnostics;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Browsing;
using MLSae.Cli.Rendering;
using MLSae.Onnx;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Reporting.Browser;
using MLSae.Scoring;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae browse --sae RUN --activations CACHE --out SITE`: a static feature browser (index table, feature pages with shaded
/// contexts) that opens from the file system. Layout and JSON export: docs/browser.md.
/// </summary>
static class BrowseCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: run folder (its feature_history.bin gives the sparklines), .onnx, ML.NET model zip, SAELens or sparsify folder.", Required = true };
        var activations = new Option<string>("--activations") { Description = "Activation-cache folder (from `mlsae extract`) of the SAE's model and hook.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write the site to (open SITE/index.html in a browser).", Required = true };
        var top = new Option<int>("--top") { Description = "Top activating contexts per feature.", DefaultValueFactory = _ => new FeatureBrowserOptions().TopContexts };
        var batch = new Option<int>("--batch-size") { Description = "Rows encoded per ONNX Runtime run.", DefaultValueFactory = _ => new FeatureBrowserOptions().BatchSize };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing site folder." };
        var cpu = new Option<bool>("--cpu") { Description = "Do not try CUDA." };
        var noJson = new Option<bool>("--no-json") { Description = "Leave out the json/ export (data/*.js holds the same JSON); halves the site." };
        var command = new Command("browse", "Write a static feature browser (open SITE/index.html; no server needed).") { sae, activations, output, top, batch, overwrite, cpu, noJson };
        command.SetAction(parse => Run(parse.GetValue(sae)!, parse.GetValue(activations)!, parse.GetValue(output)!, parse.GetValue(top),
            parse.GetValue(batch), parse.GetValue(overwrite), parse.GetValue(cpu), !parse.GetValue(noJson)));
        return command;
    }

    static int Run(string saePath, string cachePath, string outDir, int top, int batch, bool overwrite, bool cpu, bool json)
    {
        try
        {
            if (Directory.Exists(outDir) && !overwrite)
                throw new IOException($"The site folder '{outDir}' already exists; pass --overwrite to replace it or choose another --out.");
            var options = new FeatureBrowserOptions { TopContexts = top, BatchSize = batch };
            try { options.Validate(); }
            catch (ArgumentOutOfRangeException e) when (e.ParamName is nameof(FeatureBrowserOptions.TopContexts) or nameof(FeatureBrowserOptions.BatchSize))
            {
                throw new ArgumentException($"--{(e.ParamName == nameof(FeatureBrowserOptions.TopContexts) ? "top" : "batch-size")} must be positive.", e);
            }
            if (!Directory.Exists(cachePath))
                throw new DirectoryNotFoundException($"--activations '{cachePath}' does not exist; pass an activation-cache folder written by `mlsae extract`.");
            var weights = SaeLoader.Load(saePath);
            using var cache = ActivationCache.Open(cachePath);
            FeatureBrowserBuilder.CheckCompatible(weights, cache);
            var history = History(saePath);
            var decode = Decoder(cache);
            using var scorer = new SaeScorer(weights, new SaeScorerOptions { BatchSize = batch, Execution = new OnnxExecutionOptions { PreferCuda = !cpu } });
            var clock = Stopwatch.StartNew();
            var data = ProgressDisplay.Run("browse", progress => FeatureBrowserBuilder.Build(weights, cache, scorer.Encode, decode, history, options, progress));
            foreach (var note in data.Notes) Console.Error.WriteLine($"note: {note}");
            double computed = clock.Elapsed.TotalSeconds;
            FeatureSiteWriter.Write(data, outDir, Path.GetFullPath(saePath), overwrite, json);
            Console.Out.WriteLine($"{weights.FeatureCount:N0} features x {cache.RowCount:N0} tokens: statistics and contexts {computed:F1} s, site written {clock.Elapsed.TotalSeconds - computed:F1} s -> {Path.Combine(Path.GetFullPath(outDir), "index.html")}");
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("browse", e);
        }
    }

    /// <summary>The run folder's feature history, or null with one line on stderr saying the sparklines are left out.</summary>
    static FeatureHistory? History(string saePath)
    {
        var path = Directory.Exists(saePath) ? Path.Combine(saePath, RunFolder.FeatureHistory) : null;
        if (path is null || !File.Exists(path))
        {
            Console.Error.WriteLine($"note: no {RunFolder.FeatureHistory} beside --sae '{saePath}' (train with feature tracking to get one); the frequency-over-training sparklines are left out.");
            return null;
        }
        return FeatureHistoryFile.Read(path);
    }

    /// <summary>Token display text through the cache's model tokenizer; when it does not resolve, every token is shown as its id (said once).</summary>
    static Func<int, string?> Decoder(ActivationCache cache)
    {
        if (string.IsNullOrWhiteSpace(cache.Manifest.Model))
        {
            Console.Error.WriteLine($"note: the cache '{cache.Directory}' does not name its model; tokens are shown as ids.");
            return _ => null;
        }
        try { return TokenDisplay.For(ModelSources.ResolveTokenizer(cache.Manifest.Model)); }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
        {
            Console.Error.WriteLine($"note: the cache's model '{cache.Manifest.Model}' does not resolve here ({e.Message}); tokens are shown as ids.");
            return _ => null;
        }
    }
}
