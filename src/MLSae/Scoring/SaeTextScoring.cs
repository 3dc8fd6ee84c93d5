using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Diagnostics;

namespace MLSae.Scoring;

/// <summary>
/// Scoring straight from text: extract the SAE's hook with ONNX Runtime into a temporary activation
/// cache, then score that cache. Going through a cache on disk keeps memory flat in corpus size and
/// reuses the scorer's batched path unchanged; the temporary folder is deleted afterwards.
/// </summary>
public static class SaeTextScoring
{
    /// <summary>
    /// Extracts <paramref name="hook"/> of <paramref name="model"/> over <paramref name="documents"/> and
    /// scores every stored token with <paramref name="scorer"/> into <paramref name="outputPath"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The hook's width differs from the SAE's input dimension.</exception>
    public static ScoreSummary ScoreText(this SaeScorer scorer, TransformerModel model, string hook, IEnumerable<TextDocument> documents,
        string outputPath, ExtractionOptions? extraction = null, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(documents);
        if (File.Exists(outputPath) && !scorer.Options.Overwrite)
            throw new IOException($"Output file '{outputPath}' already exists. Choose another path or set Overwrite.");
        using var extractor = new ActivationExtractor(model, hook, extraction);
        if (extractor.Dimension != scorer.Weights.InputDim)
            throw new ArgumentException(
                $"Hook '{extractor.Hook.Name}' of model '{model.Name}' is {extractor.Dimension} wide, but the SAE expects d = {scorer.Weights.InputDim}" +
                $"{(scorer.Weights.Info.HookName is { } h ? $" (it was trained on '{h}')" : "")}. Pass the hook the SAE was trained on.", nameof(hook));

        var temp = Path.Combine(Path.GetTempPath(), $"mlsae-score-{Guid.NewGuid():N}");
        try
        {
            using (var sink = new ActivationCacheSink(temp, new ActivationCacheWriterOptions
            {
                Model = model.Name,
                Hook = extractor.Hook.Name,
                Dimension = extractor.Dimension,
                DType = ActivationDType.Float32,
                Context = (extraction ?? new ExtractionOptions()).ContextLength,
            }))
            {
                extractor.Run(documents, sink, progress, cancellationToken);
            }
            using var cache = ActivationCache.Open(temp);
            return scorer.Score(cache, outputPath, progress, cancellationToken);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }
}
