using MLSae.Models;
using MLSae.Activations;
using MLSae.Diagnostics;

namespace MLSae.Evaluation;

/// <summary>
/// Streams an activation source through an SAE in batches and computes the core metrics with
/// bounded memory: two batch buffers of [batch, d], one of [batch, m], and O(d + m) sums.
/// </summary>
public sealed class MetricsEvaluator
{
    readonly MetricsEvaluatorOptions _options;

    /// <summary>Creates an evaluator with <paramref name="options"/>.</summary>
    public MetricsEvaluator(MetricsEvaluatorOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>Creates an evaluator with default options.</summary>
    public MetricsEvaluator() : this(new MetricsEvaluatorOptions()) { }

    /// <summary>The options in use.</summary>
    public MetricsEvaluatorOptions Options => _options;

    /// <summary>
    /// Evaluates <paramref name="sae"/> on the rows of <paramref name="activations"/>, reporting
    /// progress in tokens. The SAE's input width must equal the source's row width.
    /// </summary>
    public SaeMetrics Evaluate(IActivationSource activations, ISaeForward sae,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        var accumulator = Accumulate(activations, sae, progress, cancellationToken);
        return accumulator.ToMetrics(_options);
    }

    /// <summary>Like <c>Evaluate</c>, but returns the raw accumulator (firing counts, sums) for further use.</summary>
    public CoreMetricsAccumulator Accumulate(IActivationSource activations, ISaeForward sae,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default) =>
        Accumulate(activations, sae, observer: null, progress, cancellationToken);

    /// <summary>Evaluates while handing every batch of codes to <paramref name="observer"/> (e.g. a <see cref="Features.FeatureTableBuilder"/>).</summary>
    public SaeMetrics Evaluate(IActivationSource activations, ISaeForward sae, ICodeObserver? observer,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default) =>
        Accumulate(activations, sae, observer, progress, cancellationToken).ToMetrics(_options);

    /// <summary>The accumulator after streaming every row, with <paramref name="observer"/> seeing each batch of codes.</summary>
    public CoreMetricsAccumulator Accumulate(IActivationSource activations, ISaeForward sae, ICodeObserver? observer,
        IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(sae);
        if (activations.Dimension != sae.InputDim)
            throw new ArgumentException($"The activations have d={activations.Dimension} but the SAE reads d={sae.InputDim}: use activations from the hook the SAE was trained on.", nameof(activations));
        long total = activations.RowCount;
        if (_options.MaxTokens > 0) total = Math.Min(total, _options.MaxTokens);
        if (total == 0)
            throw new ArgumentException("The activation source has no rows; extract activations first.", nameof(activations));

        int d = sae.InputDim, m = sae.FeatureCount;
        int batch = (int)Math.Min(_options.BatchSize, total);
        var x = new float[batch * d];
        var f = new float[(long)batch * m];
        var xHat = new float[batch * d];
        var accumulator = new CoreMetricsAccumulator(d, m);
        for (long row = 0; row < total; row += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = (int)Math.Min(batch, total - row);
            activations.ReadRows(row, rows, x.AsSpan(0, rows * d));
            sae.Run(x.AsSpan(0, rows * d), rows, f.AsSpan(0, rows * m), xHat.AsSpan(0, rows * d));
            accumulator.Add(x.AsSpan(0, rows * d), f.AsSpan(0, rows * m), xHat.AsSpan(0, rows * d), rows);
            observer?.Observe(f.AsSpan(0, rows * m), rows, row);
            progress?.Report(new ProgressInfo(row + rows, total, "tokens"));
        }
        return accumulator;
    }
}
