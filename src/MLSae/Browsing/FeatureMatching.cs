using System.Numerics.Tensors;
using MLSae.Evaluation.Consistency;
using MLSae.Models;

namespace MLSae.Browsing;

/// <summary>Feature <see cref="A"/> of the first SAE matched to <see cref="B"/> of the second by decoder cosine.</summary>
/// <param name="A">Feature of the first SAE.</param>
/// <param name="B">Its match in the second SAE.</param>
/// <param name="Cosine">Decoder cosine of the pair.</param>
/// <param name="OneToOne">True when the pair comes from the one-to-one assignment; false when it is only A's nearest B feature.</param>
public readonly record struct FeatureMatch(int A, int B, float Cosine, bool OneToOne);

/// <summary>Two SAEs' features side by side: every feature of the first with its match in the second, plus the summary.</summary>
/// <param name="Matches">One per feature of the first SAE, by its index.</param>
/// <param name="Summary">Mean max cosine, assignment quality and index consistency (<see cref="FeatureConsistency"/>); null above its size limit.</param>
public sealed record FeatureComparison(FeatureMatch[] Matches, FeatureConsistencyResult? Summary);

/// <summary>
/// Matches the features of two SAEs by decoder cosine, reusing <see cref="FeatureConsistency"/> (optimal one-to-one assignment,
/// <see cref="LinearAssignment"/>) up to <see cref="FeatureConsistency.MaxAssignmentFeatures"/>; features the assignment leaves
/// out (unequal sizes) and SAEs above that size get their nearest feature instead (a row-by-row sweep, never the m x m matrix).
/// </summary>
public static class FeatureMatching
{
    /// <summary>Matches every feature of <paramref name="a"/> to one of <paramref name="b"/>.</summary>
    public static FeatureComparison Compare(SaeWeights a, SaeWeights b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.InputDim != b.InputDim)
            throw new ArgumentException($"The SAEs read different widths (d = {a.InputDim} and {b.InputDim}); compare SAEs trained on the same model and hook.", nameof(b));
        int ma = a.FeatureCount, mb = b.FeatureCount, d = a.InputDim;
        var ua = FeatureConsistency.UnitRows(a);
        var ub = FeatureConsistency.UnitRows(b);
        float Cos(int i, int j) => TensorPrimitives.Dot(ua.AsSpan(i * d, d), ub.AsSpan(j * d, d));

        var matches = new FeatureMatch?[ma];
        FeatureConsistencyResult? summary = null;
        if (Math.Max(ma, mb) <= FeatureConsistency.MaxAssignmentFeatures)
        {
            summary = FeatureConsistency.Compute(a, b);
            var assignment = summary.Assignment!;
            // The assignment runs from the smaller SAE (A when equal) to the other.
            if (ma <= mb) for (int i = 0; i < ma; i++) matches[i] = new FeatureMatch(i, assignment[i], Cos(i, assignment[i]), true);
            else for (int j = 0; j < mb; j++) matches[assignment[j]] = new FeatureMatch(assignment[j], j, Cos(assignment[j], j), true);
        }
        Parallel.For(0, ma, i =>
        {
            if (matches[i] is not null) return;
            int best = 0;
            float bestCos = float.NegativeInfinity;
            for (int j = 0; j < mb; j++)
            {
                float c = Cos(i, j);
                if (c > bestCos) { bestCos = c; best = j; }
            }
            matches[i] = new FeatureMatch(i, best, bestCos, false);
        });
        return new FeatureComparison([.. matches.Select(x => x!.Value)], summary);
    }
}
