using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Evaluation;
using MLSae.Evaluation.Absorption;
using MLSae.Evaluation.Concepts;
using MLSae.Evaluation.Preservation;
using MLSae.Evaluation.Probing;
using MLSae.Models;
using MLSae.Scoring;

namespace Microsoft.ML;

/// <summary>
/// SAE evaluation operations, reached from <see cref="MLContext"/> through
/// <see cref="SaeEvaluationCatalogExtensions.SaeEvaluation"/>, in the manner of ML.NET's
/// <c>mlContext.BinaryClassification.Evaluate</c>.
/// </summary>
public sealed class SaeEvaluationCatalog
{
    internal SaeEvaluationCatalog(MLContext context) => Context = context;

    /// <summary>The context this catalog belongs to.</summary>
    public MLContext Context { get; }

    /// <summary>
    /// Core metrics (reconstruction, shrinkage, sparsity, feature density) of <paramref name="sae"/> on <paramref name="activations"/>;
    /// codes are read in the unit-decoder-row form (f_i ||W_dec[i]||, <see cref="UnitRowSaeForward"/>).
    /// </summary>
    public SaeMetrics Evaluate(SaeWeights sae, IActivationSource activations, MetricsEvaluatorOptions? options = null,
        IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(sae);
        options ??= new MetricsEvaluatorOptions();
        using var forward = new SaeOnnxForward(sae, options.BatchSize);   // ORT's GEMM: the forward is most of the cost
        // Codes in the unit-decoder-row form (SAEBench's convention), so l1 and mean activations do not depend on the decoder's scale.
        return Evaluate(new UnitRowSaeForward(forward, sae), activations, options, progress);
    }

    /// <summary>Core metrics of any <see cref="ISaeForward"/> (e.g. an ONNX Runtime scorer), on its codes as given (wrap it in <see cref="UnitRowSaeForward"/> for the unit-row form).</summary>
    public SaeMetrics Evaluate(ISaeForward sae, IActivationSource activations, MetricsEvaluatorOptions? options = null,
        IProgress<ProgressInfo>? progress = null)
    {
        return new MetricsEvaluator(options ?? new MetricsEvaluatorOptions()).Evaluate(activations, sae, progress);
    }

    /// <summary>
    /// Downstream preservation: <paramref name="texts"/> run through <paramref name="model"/> unchanged, with
    /// <paramref name="sae"/> spliced in at <paramref name="hook"/>, and with the hook zero-ablated. Causal LMs
    /// (a <c>logits</c> output; for <c>pythia:DIR</c> resolve with <see cref="DownstreamModels.Resolve"/>) give
    /// kl_div_score / ce_loss_score (<see cref="DownstreamPreservationResult.LanguageModel"/>; put them on the core
    /// metrics with <c>metrics with { Preservation = result.LanguageModel }</c>); encoders give the
    /// sentence-embedding measure (<see cref="DownstreamPreservationResult.Embedding"/>).
    /// </summary>
    public DownstreamPreservationResult EvaluateDownstream(TransformerModel model, string hook, SaeWeights sae, IEnumerable<TextDocument> texts,
        DownstreamPreservationOptions? options = null, IProgress<ProgressInfo>? progress = null)
    {
        using var evaluator = new DownstreamPreservationEvaluator(model, hook, sae, options);
        return evaluator.Evaluate(texts, progress);
    }

    /// <summary>Sparse probing of SAE codes against raw activations on pooled, labelled texts.</summary>
    public SparseProbingResult EvaluateSparseProbing(PooledProbingData data, SparseProbingOptions? options = null,
        IProgress<ProgressInfo>? progress = null)
    {
        return new SparseProbingEvaluator(options ?? new SparseProbingOptions()).Evaluate(data, progress);
    }

    /// <summary>
    /// Spurious correlation removal (SAEBench's SCR) on texts pooled by <see cref="ConceptData.Build"/> with two
    /// binary label columns (A, B): a probe for A trained where A and B are perfectly correlated, the latents the B
    /// probe's attribution picks ablated at the hook (SAE error kept), scores per n in scr_dir1/dir2/metric form.
    /// Write with <see cref="ConceptJsonWriter.WriteScr(string, ScrResult, ConceptRunInfo)"/>.
    /// </summary>
    public ScrResult EvaluateScr(ConceptData data, string columnA, string columnB, ScrOptions? options = null,
        IProgress<ProgressInfo>? progress = null) =>
        new ScrEvaluator(options).Evaluate(data, columnA, columnB, progress);

    /// <summary>
    /// Targeted probe perturbation (SAEBench's TPP) on texts pooled by <see cref="ConceptData.Build"/> with one
    /// class column: per class, ablating its latents should hurt its probe and spare the others.
    /// </summary>
    public TppResult EvaluateTpp(ConceptData data, string column, TppOptions? options = null,
        IProgress<ProgressInfo>? progress = null) =>
        new TppEvaluator(options).Evaluate(data, column, progress);

    /// <summary>
    /// First-letter feature absorption of <paramref name="sae"/>: single-token words of <paramref name="model"/>'s
    /// vocabulary run in an in-context prompt, activations read at <paramref name="hook"/> on the word token,
    /// a letter probe, k-sparse main latents and SAEBench's absorption scoring. Put
    /// <see cref="AbsorptionResult.Metrics"/> into <see cref="EvalReport.Absorption"/> for eval.json.
    /// </summary>
    public AbsorptionResult EvaluateAbsorption(TransformerModel model, string hook, SaeWeights sae, AbsorptionEvaluatorOptions? options = null,
        IProgress<ProgressInfo>? progress = null) =>
        new AbsorptionEvaluator(options).Evaluate(model, hook, sae, null, progress);
}

/// <summary>Adds <see cref="SaeEvaluationCatalog"/> to <see cref="MLContext"/>.</summary>
public static class SaeEvaluationCatalogExtensions
{
    /// <summary>The SAE evaluation catalog: <c>mlContext.SaeEvaluation().Evaluate(weights, activations)</c>.</summary>
    public static SaeEvaluationCatalog SaeEvaluation(this MLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new SaeEvaluationCatalog(context);
    }
}
