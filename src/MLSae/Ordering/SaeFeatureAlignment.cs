using MLSae.Evaluation.Consistency;
using MLSae.Models;

namespace MLSae.Ordering;

/// <summary>
/// Orders that need no activations: aligning an SAE's features to a reference SAE (so a retrained SAE keeps stable
/// feature ids), and keeping only a prefix of the current order (prefix deployment).
/// </summary>
public static class SaeFeatureAlignment
{
    /// <summary>
    /// The SAE with its features permuted so that feature j best matches the reference's feature j (optimal one-to-one
    /// matching of decoder directions, <see cref="LinearAssignment"/>). The result computes exactly what
    /// <paramref name="weights"/> does; the permutation is logged as "align-to".
    /// </summary>
    public static SaeWeights AlignTo(SaeWeights weights, SaeWeights reference)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(reference);
        if (weights.InputDim != reference.InputDim || weights.FeatureCount != reference.FeatureCount)
            throw new ArgumentException($"Alignment needs SAEs of the same shape: this one has d = {weights.InputDim}, m = {weights.FeatureCount}; " +
                $"the reference d = {reference.InputDim}, m = {reference.FeatureCount}.", nameof(reference));
        if (weights.FeatureCount > FeatureConsistency.MaxAssignmentFeatures)
            throw new ArgumentException($"Alignment solves an m x m assignment, limited to m <= {FeatureConsistency.MaxAssignmentFeatures} (m = {weights.FeatureCount}).", nameof(weights));
        int m = weights.FeatureCount, d = weights.InputDim;
        var cos = FeatureConsistency.Cosines(FeatureConsistency.UnitRows(reference), FeatureConsistency.UnitRows(weights), m, m, d);
        var order = LinearAssignment.Maximize(cos, m, m);   // reference feature j <- this SAE's feature order[j]
        return SaeFeatureReorder.Permute(weights, order, "align-to");
    }

    /// <summary>
    /// The first <paramref name="keep"/> features as a smaller SAE (encoder and decoder rows, biases, thresholds and
    /// metadata of those features; b_dec unchanged; TopK's k capped at <paramref name="keep"/>). Its codes are the
    /// full SAE's codes of those features for ReLU and JumpReLU SAEs; a TopK SAE chooses its k among the kept ones.
    /// </summary>
    public static SaeWeights KeepPrefix(SaeWeights weights, int keep)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (keep <= 0 || keep > weights.FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(keep), keep, $"Keep between 1 and m = {weights.FeatureCount} features.");
        int d = weights.InputDim;
        // Feature i of the prefix is feature i of the parent; the parent's permutation log (over m features) stays with the parent.
        var info = weights.Info with { FeatureFrequencies = weights.Info.FeatureFrequencies?[..keep], OriginalIndices = null, Permutations = [] };
        return new SaeWeights(weights.Architecture, weights.Activation, d, keep, weights.EncoderWeights[..(keep * d)], weights.EncoderBias[..keep],
            weights.DecoderWeights[..(keep * d)], (float[])weights.DecoderBias.Clone(), weights.Thresholds?[..keep],
            weights.K > 0 ? Math.Min(weights.K, keep) : weights.K)
        { Info = info };
    }
}
