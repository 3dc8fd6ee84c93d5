using System.Diagnostics;
using System.Globalization;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Diagnostics;
using MLSae.Evaluation;
using MLSae.Evaluation.Absorption;
using MLSae.Evaluation.Features;
using MLSae.Evaluation.Preservation;
using MLSae.Evaluation.Probing;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Runs.Experiments;
using MLSae.Scoring;

namespace MLSae.Runs;

/// <summary>
/// Evaluates an SAE (usually a run folder) on activations: the one evaluation path of `mlsae eval` and the experiment
/// runner. Core metrics go through <see cref="EvaluationForward"/> (ONNX Runtime, unit-decoder-row codes); the
/// optional evaluations in <see cref="RunEvaluationOptions"/> (prefix curves, sparse probing, downstream preservation,
/// absorption, SCR, TPP) run in that order; eval.json (SAEBench schema) is written after them and, with
/// <see cref="RunEvaluationOptions.TopExamples"/>, features.jsonl; scr.json and tpp.json follow. In a run folder
/// eval.json's presence marks the run as evaluated.
/// </summary>
public static partial class RunEvaluation
{
    /// <summary>Texts for downstream preservation and the model and hook to splice the SAE into.</summary>
    /// <param name="Model">The model (a causal LM built with its logits, or an encoder).</param>
    /// <param name="Hook">The hook the SAEs were trained on.</param>
    /// <param name="Documents">Texts training never read.</param>
    /// <param name="Context">Tokens per context, as extracted.</param>
    public sealed record DownstreamTexts(TransformerModel Model, string Hook, IReadOnlyList<TextDocument> Documents, int Context);

    /// <summary>
    /// Evaluates the SAE at <paramref name="sae"/> (run folder, .onnx, ML.NET zip, SAELens or sparsify folder) on the
    /// activations at <paramref name="activations"/> (cache folder or .safetensors) and writes the results.
    /// </summary>
    public static RunEvaluationResult Evaluate(string sae, string activations, RunEvaluationOptions? options = null, IRunProgress? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sae);
        ArgumentException.ThrowIfNullOrWhiteSpace(activations);
        options ??= new RunEvaluationOptions();
        var outDir = options.OutputDirectory ?? (Directory.Exists(sae) && RunFolder.SaePath(sae) is not null ? sae
            : throw new ArgumentException($"RunEvaluationOptions.OutputDirectory is required: the SAE '{sae}' is not a training run folder (one holding {RunFolder.Sae}) to write {RunFolder.Eval} into."));
        var weights = SaeLoader.Load(sae);
        var source = ActivationSources.Open(activations);
        try
        {
            if (source.Dimension != weights.InputDim)
                throw new ArgumentException($"The activations '{activations}' have d={source.Dimension} but the SAE '{sae}' reads d={weights.InputDim}; evaluate on activations from the SAE's model and hook.");
            return Run(new Subject(weights, sae, source, Path.GetFullPath(activations)), outDir, options, progress ?? IRunProgress.Silent);
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// The experiment runner's evaluation of one trained run folder on held-out rows: eval.json (per-feature densities
    /// included), prefix_curves.csv when <see cref="ExperimentEvalOptions.PrefixCurves"/>, and downstream preservation
    /// with <paramref name="downstream"/>; all under one progress sink.
    /// </summary>
    public static EvalReport Evaluate(string runDirectory, IActivationSource heldOut, ExperimentEvalOptions eval,
        string? activationsDescription = null, IProgress<ProgressInfo>? progress = null, DownstreamTexts? downstream = null)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(eval);
        var weights = SaeLoader.Load(runDirectory);
        if (weights.InputDim != heldOut.Dimension)
            throw new InvalidOperationException($"The SAE in '{runDirectory}' reads d={weights.InputDim} but the activations have d={heldOut.Dimension}.");
        var options = new RunEvaluationOptions
        {
            BatchSize = eval.BatchSize, MaxTokens = eval.MaxTokens, TopExamples = 0,
            PrefixCurveRows = eval.PrefixCurves ? eval.PrefixRows : null,
            Hook = downstream?.Hook,
            Downstream = downstream is not null && eval.DownstreamTokens > 0
                ? new DownstreamEvaluation { Documents = downstream.Documents, Model = downstream.Model, ContextLength = downstream.Context, MaxTokens = eval.DownstreamTokens }
                : null,
        };
        return Run(new Subject(weights, runDirectory, heldOut, activationsDescription), runDirectory, options, IRunProgress.OneSink(progress)).Report;
    }

    /// <summary>Writes <paramref name="report"/> as eval.json (SAEBench schema, atomically) into <paramref name="directory"/>; returns its path.</summary>
    public static string WriteReport(string directory, EvalReport report)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, RunFolder.Eval);
        EvalJsonWriter.Write(path, report);
        return path;
    }

    /// <summary>The SAE and the activations evaluated, with how eval.json names them.</summary>
    sealed record Subject(SaeWeights Weights, string SaeSource, IActivationSource Source, string? ActivationsDescription)
    {
        public ActivationCache? Cache => Source as ActivationCache;
    }

    static RunEvaluationResult Run(Subject s, string outDir, RunEvaluationOptions o, IRunProgress progress)
    {
        var weights = s.Weights;
        var cache = s.Cache;
        if (o.PrefixCurveRows is { } prefixRows)
            progress.Stage("prefix curves", p => { PrefixCurveFile.Write(outDir, PrefixCurves.CompareOrderings(weights, s.Source, Math.Min(prefixRows, s.Source.RowCount), seed: 0, p)); return 0; });
        var coreOptions = new MetricsEvaluatorOptions { BatchSize = o.BatchSize, MaxTokens = o.MaxTokens };
        using var forward = new EvaluationForward(weights, o.BatchSize);
        var table = o.TopExamples > 0 ? new FeatureTableBuilder(weights.FeatureCount, o.TopExamples) : null;
        var metrics = progress.Stage("eval", p => forward.CoreMetrics(s.Source, coreOptions, table, p));

        var probing = o.SparseProbing is { } probe ? SparseProbing(s, probe, o, forward, progress) : null;
        DownstreamRun? downstream = null;
        if (o.Downstream is { } d)
        {
            downstream = Downstream(s, d, o, progress);
            metrics = metrics with { Preservation = downstream.Result.LanguageModel };
        }
        AbsorptionRun? absorption = o.Absorption is { } a ? Absorption(s, a, o, progress) : null;

        var report = new EvalReport
        {
            Core = metrics, CoreOptions = coreOptions, SparseProbing = probing, Absorption = absorption?.Result.Metrics,
            Downstream = downstream?.Result, DownstreamSource = o.Downstream?.Data is { } data ? Path.GetFullPath(data) : null,
            ModelName = weights.Info.ModelName ?? cache?.Manifest.Model, HookName = weights.Info.HookName ?? cache?.Manifest.Hook,
            SaeSource = Path.GetFullPath(s.SaeSource), ActivationsSource = s.ActivationsDescription,
        };
        var evalPath = WriteReport(outDir, report);
        string? featuresPath = null;
        if (table is not null)
        {
            featuresPath = Path.Combine(outDir, RunFolder.Features);
            ITokenMetadataSource? tokens = cache is not null ? new CacheTokenMetadata(cache) : s.Source as ITokenMetadataSource;
            table.Build().WriteJsonLines(featuresPath, tokens, tokens is null ? null : TokenDecoder(cache, progress));
        }
        var concepts = o.Scr is not null || o.Tpp is not null ? Concepts(s, outDir, o, progress) : default;
        return new RunEvaluationResult(report, evalPath)
        {
            FeaturesPath = featuresPath,
            Downstream = downstream,
            Absorption = absorption,
            Scr = concepts.Scr,
            Tpp = concepts.Tpp,
        };
    }

    /// <summary>Sparse probing: the texts run through the model that produced the cached activations, to its hook.</summary>
    static SparseProbingResult SparseProbing(Subject s, ProbingEvaluation probe, RunEvaluationOptions o, EvaluationForward forward, IRunProgress progress)
    {
        var cache = s.Cache;
        if (cache is null || string.IsNullOrEmpty(cache.Manifest.Model) || string.IsNullOrEmpty(cache.Manifest.Hook))
            throw new ArgumentException($"RunEvaluationOptions.SparseProbing runs the texts through the model that produced the activations; '{s.ActivationsDescription}' is not an activation cache whose manifest names its model and hook. Evaluate on a cache folder written by `mlsae extract`.");
        TransformerModel model;
        try { model = ModelSources.Resolve(cache.Manifest.Model); }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"RunEvaluationOptions.SparseProbing runs the texts through the cache's model '{cache.Manifest.Model}', which does not resolve here ({e.Message}). Extract the cache with a model spec MLSae can load again (minilm-l6, pythia:DIR).", e);
        }
        using var text = ExtractorTextActivations.Create(model, cache.Manifest.Hook, new ExtractionOptions { ContextLength = cache.Manifest.Context > 0 ? cache.Manifest.Context : ExtractionDefaults.ContextLength, BatchSize = 1 });
        var texts = LabeledTextReader.Read(probe.Data, probe.LabelField, o.TextField);
        var pooled = progress.Stage("probe texts", p => ProbingDataBuilder.Build(texts, text, forward, p));
        return progress.Stage("sparse probing", p => new SparseProbingEvaluator(probe.Options).Evaluate(pooled, p));
    }

    /// <summary>Runs the texts through the model unchanged, with the SAE spliced in and zero-ablated.</summary>
    static DownstreamRun Downstream(Subject s, DownstreamEvaluation d, RunEvaluationOptions o, IRunProgress progress)
    {
        var cache = s.Cache;
        const string What = "RunEvaluationOptions.Downstream runs the texts";
        var spec = d.Model is null ? ModelSpec(s, o, What) : null;
        var hook = o.Hook ?? s.Weights.Info.HookName ?? NonEmpty(cache?.Manifest.Hook)
            ?? throw new ArgumentException($"RunEvaluationOptions.Downstream splices the SAE at its hook, but neither the SAE '{s.SaeSource}' nor the activations name one: set RunEvaluationOptions.Hook (e.g. blocks.3.hook_resid_post).");
        var model = d.Model ?? Resolve(spec!, What, m => DownstreamModels.Resolve(m));
        int context = d.ContextLength > 0 ? d.ContextLength : cache is { Manifest.Context: > 0 } ? cache.Manifest.Context : DownstreamPreservationDefaults.ContextLength;
        using var evaluator = new DownstreamPreservationEvaluator(model, hook, s.Weights, new DownstreamPreservationOptions
        {
            ContextLength = context, MaxTokens = d.MaxTokens, ReconstructSpecialTokens = d.ReconstructSpecialTokens,
        });
        var documents = d.Data is { } path ? CorpusReader.Read(path, o.TextField)
            : d.Documents ?? throw new ArgumentException("RunEvaluationOptions.Downstream needs Data (a text file or folder) or Documents.");
        var result = progress.Stage("downstream preservation", p => evaluator.Evaluate(documents, p));
        return new DownstreamRun(result, context, evaluator.BatchSize);
    }

    /// <summary>First-letter absorption on the SAE's model and hook.</summary>
    static AbsorptionRun Absorption(Subject s, AbsorptionEvaluatorOptions options, RunEvaluationOptions o, IRunProgress progress)
    {
        const string What = "RunEvaluationOptions.Absorption runs words";
        var spec = ModelSpec(s, o, What);
        var hook = o.Hook ?? s.Weights.Info.HookName ?? NonEmpty(s.Cache?.Manifest.Hook)
            ?? throw new ArgumentException($"RunEvaluationOptions.Absorption reads the SAE's hook, but neither the SAE '{s.SaeSource}' nor the activations name one: set RunEvaluationOptions.Hook (e.g. blocks.3.hook_resid_post).");
        var model = Resolve(spec, What, m => ModelSources.Resolve(m));
        var clock = Stopwatch.StartNew();
        var result = progress.Stage("absorption", p => new AbsorptionEvaluator(options).Evaluate(model, hook, s.Weights, null, p));
        return new AbsorptionRun(result, clock.Elapsed);
    }

    /// <summary>The model spec: <see cref="RunEvaluationOptions.Model"/>, else the cache's, else the SAE's.</summary>
    static string ModelSpec(Subject s, RunEvaluationOptions o, string what) =>
        o.Model ?? NonEmpty(s.Cache?.Manifest.Model) ?? s.Weights.Info.ModelName
            ?? throw new ArgumentException($"{what} through the SAE's model, but neither the activations '{s.ActivationsDescription}' nor the SAE name one: set RunEvaluationOptions.Model (e.g. minilm-l6 or pythia:DIR).");

    /// <summary>The model of <paramref name="spec"/>, built by <paramref name="resolve"/>; an error saying what needed it when it does not resolve.</summary>
    static TransformerModel Resolve(string spec, string what, Func<string, TransformerModel> resolve)
    {
        try { return resolve(spec); }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{what} through model '{spec}', which does not resolve here ({e.Message}). Set RunEvaluationOptions.Model to a spec MLSae can load (minilm-l6, pythia:DIR, onnx:FILE).", e);
        }
    }

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>Token id to text through the tokenizer of the cache's model; null (ids are shown) when it cannot be resolved, said once.</summary>
    internal static Func<int, string>? TokenDecoder(ActivationCache? cache, IRunProgress? progress = null)
    {
        if (cache is null || string.IsNullOrWhiteSpace(cache.Manifest.Model)) return null;
        try
        {
            var tokenizer = ModelSources.ResolveTokenizer(cache.Manifest.Model);
            return id => tokenizer.IdToToken(id) ?? id.ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
        {
            (progress ?? IRunProgress.Silent).Notice($"feature contexts show token ids: the cache's model '{cache.Manifest.Model}' does not resolve here ({e.Message}).");
            return null;
        }
    }
}
