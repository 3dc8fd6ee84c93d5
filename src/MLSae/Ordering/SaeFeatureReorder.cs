using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;

namespace MLSae.Ordering;

/// <summary>Options for <see cref="SaeFeatureReorder.Reorder(SaeWeights, IActivationSource, SaeReorderOptions, IProgress{ProgressInfo}?)"/>.</summary>
public sealed record SaeReorderOptions
{
    /// <summary>Defaults from <see cref="SaeReorderDefaults"/>.</summary>
    public SaeReorderOptions() { }

    /// <summary>Sort key (descending, stable).</summary>
    public FeatureOrderKey By { get; init; } = SaeReorderDefaults.By;
    /// <summary>At most this many activation rows are read to compute the key.</summary>
    public long MaxRows { get; init; } = SaeReorderDefaults.MaxRows;
    /// <summary>Seed for <see cref="FeatureOrderKey.Random"/>.</summary>
    public int Seed { get; init; } = SaeReorderDefaults.Seed;
}

/// <summary>Defaults of <see cref="SaeReorderOptions"/>.</summary>
public static class SaeReorderDefaults
{
    /// <summary>Frequency, the research question's key.</summary>
    public const FeatureOrderKey By = FeatureOrderKey.Frequency;
    /// <summary>Rows read for the key.</summary>
    public const long MaxRows = 1_000_000;
    /// <summary>Random-order seed.</summary>
    public const int Seed = 0;
}

/// <summary>The result of a post-hoc reorder.</summary>
/// <param name="Weights">The reordered SAE (equivalent: same reconstructions, codes permuted).</param>
/// <param name="Order">New index to old index of this reorder.</param>
/// <param name="Statistics">Statistics of the input SAE the key came from (old order); null for original/random.</param>
public sealed record SaeReorderResult(SaeWeights Weights, int[] Order, FeatureStatistics? Statistics);

/// <summary>
/// Post-hoc (torch-free) feature reordering of a trained SAE: the function the ML.NET
/// FeatureReorderTransformer and `mlsae reorder` call.
/// </summary>
public static class SaeFeatureReorder
{
    /// <summary>
    /// Computes <paramref name="options"/>.By on <paramref name="activations"/> and returns the SAE with its
    /// features sorted by it (descending, ties keep the current order), with Info.Permutations,
    /// OriginalIndices and FeatureFrequencies updated.
    /// </summary>
    public static SaeReorderResult Reorder(SaeWeights weights, IActivationSource activations, SaeReorderOptions? options = null,
        IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        options ??= new SaeReorderOptions();
        FeatureStatistics? stats = null;
        int[] order;
        switch (options.By)
        {
            case FeatureOrderKey.Original:
                order = FeatureOrder.Identity(weights.FeatureCount);
                break;
            case FeatureOrderKey.Random:
                order = FeatureOrder.Random(weights.FeatureCount, options.Seed);
                break;
            default:
                ArgumentNullException.ThrowIfNull(activations);
                stats = FeatureStatistics.Compute(weights, activations, options.MaxRows, progress: progress);
                order = FeatureOrder.SortDescending(stats.Keys(options.By)!);
                break;
        }
        var reordered = Permute(weights, order, "post-hoc:" + options.By.ToString().ToLowerInvariant(),
            frequencies: stats is null ? null : Array.ConvertAll(stats.Frequency, v => (float)v));
        return new SaeReorderResult(reordered, order, stats);
    }

    /// <summary>
    /// The SAE with features permuted by <paramref name="order"/> (new feature j = old feature order[j]):
    /// encoder rows, b_enc, decoder rows, thresholds, Info.FeatureFrequencies; the permutation is appended to
    /// Info.Permutations and Info.OriginalIndices is composed. <paramref name="frequencies"/> (old order), when
    /// given, replaces Info.FeatureFrequencies. b_dec, k and the architecture are unchanged.
    /// </summary>
    public static SaeWeights Permute(SaeWeights weights, int[] order, string reason, long step = -1, float[]? frequencies = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(order);
        int m = weights.FeatureCount, d = weights.InputDim;
        if (order.Length != m)
            throw new ArgumentException($"Order has {order.Length} entries; the SAE has {m} features.", nameof(order));
        FeatureOrder.Validate(order, nameof(order));
        var enc = new float[weights.EncoderWeights.Length];
        var dec = new float[weights.DecoderWeights.Length];
        for (int j = 0; j < m; j++)
        {
            weights.EncoderRow(order[j]).CopyTo(enc.AsSpan(j * d, d));
            weights.DecoderRow(order[j]).CopyTo(dec.AsSpan(j * d, d));
        }
        var log = PermutationLog.FromInfo(weights.Info, m);
        log.Append(step, order, reason);
        var freq = frequencies ?? weights.Info.FeatureFrequencies;
        var info = log.ApplyTo(weights.Info) with { FeatureFrequencies = freq is null ? null : FeatureOrder.Gather<float>(freq, order) };
        return new SaeWeights(weights.Architecture, weights.Activation, d, m, enc,
            FeatureOrder.Gather<float>(weights.EncoderBias, order), dec, (float[])weights.DecoderBias.Clone(),
            weights.Thresholds is null ? null : FeatureOrder.Gather<float>(weights.Thresholds, order), weights.K)
        { Info = info };
    }
}
