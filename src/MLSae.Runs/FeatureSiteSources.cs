using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Browsing;
using MLSae.Ordering;
using MLSae.Persistence;

namespace MLSae.Runs;

/// <summary>What a feature site reads beside the SAE and the cache: feature history, token text, a causal LM's unembedding. Each missing piece is said once as a notice.</summary>
static class FeatureSiteSources
{
    /// <summary>The run folder's feature history, or null with a notice saying the sparklines are left out.</summary>
    public static FeatureHistory? History(string saePath, IRunProgress progress)
    {
        var path = Directory.Exists(saePath) ? Path.Combine(saePath, RunFolder.FeatureHistory) : null;
        if (path is null || !File.Exists(path))
        {
            progress.Notice($"no {RunFolder.FeatureHistory} beside the SAE '{saePath}' (train with feature tracking to get one); the frequency-over-training sparklines are left out.");
            return null;
        }
        return FeatureHistoryFile.Read(path);
    }

    /// <summary>Token display text through the cache's model tokenizer; when it does not resolve, every token is shown as its id (said once).</summary>
    public static Func<int, string?> Decoder(ActivationCache cache, IRunProgress progress)
    {
        if (string.IsNullOrWhiteSpace(cache.Manifest.Model))
        {
            progress.Notice($"the cache '{cache.Directory}' does not name its model; tokens are shown as ids.");
            return _ => null;
        }
        try { return TokenDisplay.For(ModelSources.ResolveTokenizer(cache.Manifest.Model)); }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
        {
            progress.Notice($"the cache's model '{cache.Manifest.Model}' does not resolve here ({e.Message}); tokens are shown as ids.");
            return _ => null;
        }
    }

    /// <summary>
    /// W_U of the cache's model when it is a causal LM whose graph ends in a logits MatMul (pythia:DIR is built with its
    /// logits for this); null for encoders (no logit effect, nothing said) and, with a note, when it cannot be found.
    /// </summary>
    public static Unembedding? Unembedding(ActivationCache cache, IRunProgress progress)
    {
        var spec = cache.Manifest.Model;
        if (string.IsNullOrWhiteSpace(spec) || spec.Equals(MiniLmResources.Name, StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            int colon = spec.IndexOf(':');
            var model = colon > 1 && spec[..colon].Equals(ModelSources.PythiaScheme, StringComparison.OrdinalIgnoreCase)
                ? ModelSources.FromGptNeoXCheckpoint(spec[(colon + 1)..], logitsOnly: true)
                : ModelSources.Resolve(spec);
            if (model.IsEncoder) return null;
            var unembedding = MLSae.Browsing.Unembedding.FromModel(model);
            if (unembedding is null) progress.Notice($"the graph of '{spec}' has no MatMul into 'logits' with a [d, vocab] initializer; the logit effect is left out.");
            return unembedding;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
        {
            progress.Notice($"the cache's model '{spec}' does not load here ({e.Message}); the logit effect is left out.");
            return null;
        }
    }
}
