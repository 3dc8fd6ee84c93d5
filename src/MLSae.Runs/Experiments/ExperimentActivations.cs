using System.Text.Json.Nodes;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Onnx;

namespace MLSae.Runs.Experiments;

/// <summary>
/// The activations an experiment trains on: the cache named by <see cref="ExperimentSource.Activations"/>, or
/// one extracted once into OUT/activations (reused when complete, resumed when interrupted, refused when it was
/// extracted for a different source).
/// </summary>
public static class ExperimentActivations
{
    /// <summary>The cache folder inside the output folder.</summary>
    public const string Folder = "activations";
    /// <summary>Cache metadata key holding the source description, to recognise the cache on a rerun.</summary>
    public const string SourceKey = "mlsae.experiment.source";

    /// <summary>Opens (extracting first if needed) the experiment's activation cache.</summary>
    public static ActivationCache Open(ExperimentDefinition experiment, string outputDirectory, int threads = 0, IExperimentProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        progress ??= IExperimentProgress.Silent;
        var source = experiment.Source;
        if (source.Activations is { } given)
        {
            var path = Path.GetFullPath(Path.Combine(experiment.BaseDirectory, given));
            if (!Directory.Exists(path))
                throw new DirectoryNotFoundException($"source.activations: '{path}' does not exist. Give an activation cache folder written by `mlsae extract`, or remove source.activations to extract from source.text.");
            return ActivationCache.Open(path);
        }

        var dir = Path.Combine(Path.GetFullPath(outputDirectory), Folder);
        var signature = Signature(source);
        bool resume = false;
        if (File.Exists(Path.Combine(dir, ActivationCacheDefaults.ManifestFileName)))
        {
            var manifest = ActivationCacheManifest.Load(dir);
            manifest.Metadata.TryGetValue(SourceKey, out var existing);
            if (existing != signature)
                throw new IOException($"'{dir}' holds activations extracted for another source ({existing ?? "unknown"}); this experiment asks for {signature}. " +
                    "Use a new output folder (runs trained on the old activations would not be comparable), or delete that folder.");
            if (manifest.Complete)
            {
                progress.Notice($"using the activations already extracted in {dir} ({manifest.TotalRows:N0} tokens)");
                return ActivationCache.Open(dir);
            }
            resume = true;
            progress.Notice($"resuming the interrupted extraction in {dir} ({manifest.TotalRows:N0} tokens so far)");
        }

        var model = ModelSources.Resolve(source.Model);
        var documents = Documents(experiment);
        var options = new ExtractionOptions
        {
            ContextLength = source.Context,
            MaxTokens = source.MaxTokens,
            Execution = new OnnxExecutionOptions { IntraOpThreads = threads },
        };
        using (var extractor = new ActivationExtractor(model, source.Hook, options))
        using (var sink = new ActivationCacheSink(dir, new ActivationCacheWriterOptions
        {
            Model = model.Name,
            Hook = extractor.Hook.Name,
            Dimension = extractor.Dimension,
            Context = source.Context,
            Metadata = new Dictionary<string, string> { [SourceKey] = signature },
            Resume = resume,
        }))
        {
            progress.Stage($"extract {model.Name} {extractor.Hook.Name}", p => extractor.Run(documents, sink, p));
        }
        return ActivationCache.Open(dir);
    }

    /// <summary>The documents of <see cref="ExperimentSource.Text"/>.</summary>
    public static IEnumerable<TextDocument> Documents(ExperimentDefinition experiment)
    {
        var source = experiment.Source;
        if (string.Equals(source.Text, ExperimentDefaults.SdkDocsText, StringComparison.OrdinalIgnoreCase))
            return SdkDocsCorpus.Documents();
        var path = Path.GetFullPath(Path.Combine(experiment.BaseDirectory, source.Text));
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"source.text: '{path}' does not exist. Give a corpus file or folder (.txt, .jsonl, .csv, .parquet; relative to the experiment file) or \"{ExperimentDefaults.SdkDocsText}\".", path);
        return CorpusReader.Read(path, source.TextField);
    }

    /// <summary>What identifies the extracted activations (model, hook, text, token count, context).</summary>
    public static string Signature(ExperimentSource source)
    {
        var json = new JsonObject
        {
            ["model"] = source.Model,
            ["hook"] = source.Hook,
            ["text"] = source.Text,
            ["textField"] = source.TextField,
            ["maxTokens"] = source.MaxTokens,
            ["context"] = source.Context,
        };
        if (string.Equals(source.Text, ExperimentDefaults.SdkDocsText, StringComparison.OrdinalIgnoreCase))
            json["textVersion"] = SdkDocsCorpus.OrderVersion;
        return json.ToJsonString();
    }
}
