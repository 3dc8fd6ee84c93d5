using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// BatchTopK SAE (Bussmann et al.; dictionary_learning BatchTopKTrainer): keep the k x B largest
/// ReLU'd pre-activations across the batch. The inference threshold is a moving average of the
/// smallest kept activation; at inference f = relu(pre) where relu(pre) &gt; threshold.
/// loss = mean_t ||x - x_hat||^2 + AuxK on dead features.
/// </summary>
public class BatchTopKSae : SaeModule
{
    readonly double _auxKCoefficient;
    readonly long _thresholdStartStep;
    readonly double _thresholdDecay;

    /// <summary>Creates a randomly initialised BatchTopK SAE.</summary>
    public BatchTopKSae(int inputDim, int featureCount, int k, double auxKCoefficient, long thresholdStartStep, double thresholdDecay, Generator? generator = null, Device? device = null)
        : this(nameof(BatchTopKSae), inputDim, featureCount, k, auxKCoefficient, thresholdStartStep, thresholdDecay, generator, device) { }

    /// <summary>For subclasses (Matryoshka).</summary>
    protected BatchTopKSae(string name, int inputDim, int featureCount, int k, double auxKCoefficient, long thresholdStartStep, double thresholdDecay, Generator? generator, Device? device = null)
        : base(name, inputDim, featureCount, generator, device)
    {
        if (k <= 0 || k > featureCount) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, m={featureCount}].");
        K = k;
        _auxKCoefficient = auxKCoefficient;
        _thresholdStartStep = thresholdStartStep;
        _thresholdDecay = thresholdDecay;
        Threshold = full(1, -1f, device: Device);
        register_buffer("threshold", Threshold);
    }

    /// <summary>Average active features per token.</summary>
    public int K { get; }
    /// <summary>[1] inference threshold; negative until tracking starts.</summary>
    public Tensor Threshold { get; }
    /// <inheritdoc />
    public override SaeArchitecture Architecture => SaeArchitecture.BatchTopK;
    /// <inheritdoc />
    public override SaeActivation InferenceActivation => SaeActivation.JumpReLU;

    /// <inheritdoc />
    public override Tensor Encode(Tensor x)
    {
        var pre = nn.functional.relu(PreActivations(x));
        return pre * (pre > Threshold.clamp_min(0));
    }

    /// <summary>Batch top-(k x B) codes [B, m] of ReLU'd pre-activations; updates the threshold from <paramref name="context"/>'s step on.</summary>
    protected Tensor BatchCodes(Tensor pre, SaeLossContext context)
    {
        var (vals, idx) = SelectAcrossBatch(pre, KeptCount(pre), CandidatesPerToken * K);
        UpdateThreshold(vals, context);
        return zeros_like(pre).flatten().scatter(0, idx, vals).view(pre.shape);
    }

    /// <summary>
    /// The same codes kept sparse: values and feature indices [B, r], where r is the most features any token kept
    /// (shorter rows are padded with value 0 at feature 0, which adds nothing and gets no gradient). The pre-activations
    /// are computed without gradient; the kept ones get theirs through <see cref="SelectedPreActivations"/>.
    /// </summary>
    protected (Tensor Codes, Tensor Indices, Tensor Pre) SparseBatchCodes(Tensor x, SaeLossContext context)
    {
        Tensor pre;
        using (no_grad()) pre = PreActivations(x);
        var (vals, flatIdx) = Precision == TrainingPrecision.Fp32
            ? SelectAcrossBatch(nn.functional.relu(pre), KeptCount(pre), CandidatesPerToken * K)
            : SelectAcrossBatchRefined(x, pre);
        UpdateThreshold(vals, context);
        var (idx, selected) = SparseCodes.PackRows(flatIdx, vals, pre.shape[0], FeatureCount, SparseCodes.Generic(vals, GenericSparseOps));
        return (nn.functional.relu(SelectedPreActivations.Apply(this, x, idx, selected)), idx, pre);
    }

    // Each token's 4k largest are searched first; a token with more than that among the kept ones is rare.
    const int CandidatesPerToken = 4;

    /// <summary>
    /// The <paramref name="kept"/> largest entries of <paramref name="codes"/> [B, m]: values and flat indices b·m + i.
    /// One top-k over all B·m entries is slow (about 0.37 s at B = m = 4096 here), so each row's
    /// <paramref name="candidatesPerRow"/> largest are taken first and the kept ones chosen among them. That is exact
    /// unless some row had all its candidates kept (its next entry might belong too); then the full search runs.
    /// </summary>
    internal static (Tensor Values, Tensor FlatIndices) SelectAcrossBatch(Tensor codes, int kept, int candidatesPerRow)
    {
        long rows = codes.shape[0], width = codes.shape[1];
        if (candidatesPerRow >= width || (long)candidatesPerRow * rows < kept) return codes.flatten().topk(kept);
        var (rowValues, rowFeatures) = codes.topk(candidatesPerRow, dim: -1);
        var (values, candidates) = rowValues.flatten().topk(kept);
        var row = candidates.div(candidatesPerRow, rounding_mode: RoundingMode.floor);
        if (bincount(row, minlength: rows).max().item<long>() >= candidatesPerRow) return codes.flatten().topk(kept);
        return (values, row * width + rowFeatures.flatten().index_select(0, candidates));
    }

    /// <summary>
    /// bf16: each row's <see cref="CandidatesPerToken"/> x k largest bf16 pre-activations are candidates, and the kept ones
    /// are chosen on their float32 values (as <see cref="SaeModule.SelectTopK"/> does per token), so the codes are float32
    /// and bf16 ties cannot make the choice depend on feature order. A row with all its candidates kept might hold more:
    /// then the search runs again with twice the candidates (rare at training sizes; up to all m).
    /// </summary>
    (Tensor Values, Tensor FlatIndices) SelectAcrossBatchRefined(Tensor x, Tensor pre)
    {
        using var _ = no_grad();
        long rows = pre.shape[0];
        int kept = KeptCount(pre);
        for (int candidates = Math.Min(FeatureCount, CandidatesPerToken * K); ; candidates = Math.Min(FeatureCount, 2 * candidates))
        {
            var (exact, chosen) = ExactCandidates(x, pre, candidates);
            var (values, at) = nn.functional.relu(exact).flatten().topk(Math.Min(kept, (int)exact.numel()));
            var row = at.div(candidates, rounding_mode: RoundingMode.floor);
            if (candidates == FeatureCount || bincount(row, minlength: rows).max().item<long>() < candidates)
                return (values, row * FeatureCount + chosen.flatten().index_select(0, at));
        }
    }

    int KeptCount(Tensor pre) => (int)Math.Min(K * pre.shape[0], pre.numel());

    // Moving average of the smallest kept positive activation, from ThresholdStartStep on.
    void UpdateThreshold(Tensor kept, SaeLossContext context)
    {
        if (context.Step < _thresholdStartStep) return;
        using var _ = no_grad();
        var values = kept.detach().to(ScalarType.Float32);
        var positive = values.masked_select(values > 0);
        if (positive.numel() == 0) return;
        var min = positive.min();
        if (Threshold.item<float>() < 0) Threshold.copy_(min.reshape(1));
        else Threshold.mul_(_thresholdDecay).add_(min * (1 - _thresholdDecay));
    }

    /// <inheritdoc />
    public override SaeForward Forward(Tensor x, SaeLossContext context) =>
        SparseKernels ? SparseForward(x, context) : DenseForward(x, context);

    SaeForward SparseForward(Tensor x, SaeLossContext context)
    {
        var (codes, idx, pre) = SparseBatchCodes(x, context);
        var xHat = SparseDecode.Apply(codes, idx, W_dec, GenericSparseOps) + b_dec;
        return SaeForward.Reconstructing(x, xHat, SparseAuxK(x, xHat, pre, context), indices: idx, values: codes);
    }

    SaeForward DenseForward(Tensor x, SaeLossContext context)
    {
        var pre = nn.functional.relu(PreActivations(x));
        var f = BatchCodes(pre, context);
        var xHat = Decode(f);
        return SaeForward.Reconstructing(x, xHat, AuxK(x, xHat, pre, context), codes: f);
    }

    /// <summary>Auxiliary loss for subclasses.</summary>
    protected Tensor? AuxK(Tensor x, Tensor xHat, Tensor pre, SaeLossContext context) =>
        AuxKLoss.Compute(this, x, xHat, pre, context.DeadFeatureTokens, _auxKCoefficient);

    /// <summary>Auxiliary loss on the sparse path, from pre-activations computed without gradient.</summary>
    protected Tensor? SparseAuxK(Tensor x, Tensor xHat, Tensor pre, SaeLossContext context) =>
        AuxKLoss.ComputeSparse(this, x, xHat, pre, context.DeadFeatureTokens, _auxKCoefficient);

    /// <inheritdoc />
    public override float[]? ExportThresholds() => Enumerable.Repeat(Math.Max(0f, Threshold.item<float>()), FeatureCount).ToArray();

    /// <inheritdoc />
    public override void ImportThresholds(float[]? thresholds)
    {
        if (thresholds is { Length: > 0 }) Threshold.fill_(thresholds[0]);
    }
}
