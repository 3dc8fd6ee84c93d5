using System.Diagnostics;
using MLSae.Activations.Cache;
using MLSae.Browsing;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Ordering;
using MLSae.Reporting.Browser;
using MLSae.Scoring;

namespace MLSae.Runs;

/// <summary>Options of <see cref="FeatureSiteRun.Build"/>.</summary>
public sealed record FeatureSiteRunOptions
{
    /// <summary>Options with every default applied.</summary>
    public FeatureSiteRunOptions() { }

    /// <summary>Contexts, statistics and the encoding batch.</summary>
    public FeatureBrowserOptions Browser { get; init; } = new();
    /// <summary>A second SAE of the same model and hook (e.g. another seed), matched feature by feature (null: none).</summary>
    public string? Compare { get; init; }
    /// <summary>Try CUDA for the encoding.</summary>
    public bool PreferCuda { get; init; } = true;
}

/// <summary>A feature site's content and what it cost.</summary>
/// <param name="Site">The pages' data, ready to write (<see cref="FeatureSiteWriter"/>) or serve (<see cref="FeatureSiteServer"/>).</param>
/// <param name="Data">The SAE's statistics and contexts.</param>
/// <param name="Comparison">The second SAE's data and matches (null without <see cref="FeatureSiteRunOptions.Compare"/>).</param>
/// <param name="Tokens">Activation rows read.</param>
/// <param name="Elapsed">Wall time of statistics, contexts and matching.</param>
public sealed record FeatureSiteBuild(FeatureSiteContent Site, FeatureBrowserData Data, SiteComparison? Comparison, long Tokens, TimeSpan Elapsed);

/// <summary>
/// The data of a feature browser (`mlsae browse`): per-feature statistics and top contexts of the SAE at a path on an
/// activation cache, with the run folder's feature history, the cache model's token text and (causal LMs) logit effects,
/// and optionally a second SAE matched to it. Each missing piece is left out with a notice.
/// </summary>
public static class FeatureSiteRun
{
    /// <summary>Builds the site content of the SAE at <paramref name="sae"/> on the cache folder <paramref name="activations"/>.</summary>
    public static FeatureSiteBuild Build(string sae, string activations, FeatureSiteRunOptions? options = null, IRunProgress? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sae);
        ArgumentException.ThrowIfNullOrWhiteSpace(activations);
        options ??= new FeatureSiteRunOptions();
        progress ??= IRunProgress.Silent;
        options.Browser.Validate();
        if (!Directory.Exists(activations))
            throw new DirectoryNotFoundException($"The activation cache '{activations}' does not exist; pass an activation-cache folder (ActivationCacheWriter, `mlsae extract`).");
        var weights = SaeLoader.Load(sae);
        var other = options.Compare is null ? null : SaeLoader.Load(options.Compare);
        using var cache = ActivationCache.Open(activations);
        FeatureBrowserBuilder.CheckCompatible(weights, cache);
        if (other is not null)
        {
            try { FeatureBrowserBuilder.CheckCompatible(other, cache); }
            catch (ArgumentException e) { throw new ArgumentException($"FeatureSiteRunOptions.Compare '{options.Compare}': {e.Message}", e); }
        }
        var history = FeatureSiteSources.History(sae, progress);
        var decode = FeatureSiteSources.Decoder(cache, progress);
        var unembedding = FeatureSiteSources.Unembedding(cache, progress);
        var clock = Stopwatch.StartNew();
        var data = Statistics("feature statistics", weights, cache, decode, history, options, unembedding, progress);
        SiteComparison? comparison = null;
        if (other is not null)
        {
            var otherData = Statistics("feature statistics, second SAE", other, cache, decode, FeatureSiteSources.History(options.Compare!, progress), options, unembedding, progress);
            var matches = progress.Stage("match features", _ => FeatureMatching.Compare(weights, other));
            comparison = new SiteComparison(otherData, Path.GetFullPath(options.Compare!), matches);
        }
        return new FeatureSiteBuild(new FeatureSiteContent(data, Path.GetFullPath(sae), comparison), data, comparison, cache.RowCount, clock.Elapsed);
    }

    static FeatureBrowserData Statistics(string title, SaeWeights weights, ActivationCache cache, Func<int, string?> decode, FeatureHistory? history,
        FeatureSiteRunOptions options, Unembedding? unembedding, IRunProgress progress)
    {
        using var scorer = new SaeScorer(weights, new SaeScorerOptions
        {
            BatchSize = options.Browser.BatchSize, Execution = new OnnxExecutionOptions { PreferCuda = options.PreferCuda },
        });
        var data = progress.Stage(title, p => FeatureBrowserBuilder.Build(weights, cache, scorer.Encode, decode, history, options.Browser, p, unembedding));
        foreach (var note in data.Notes) progress.Notice(note);
        return data;
    }
}
