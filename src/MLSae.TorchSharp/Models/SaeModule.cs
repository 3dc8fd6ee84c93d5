using MLSae.Ordering;
using MLSae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Models;

/// <summary>
/// Base of the trainable SAEs, in feature-major layout like <see cref="SaeWeights"/>:
/// W_enc [m,d], b_enc [m], W_dec [m,d], b_dec [d]. It works in the trainer's (normalised)
/// activation space; <see cref="SaeModuleConversion"/> folds the scale back at export.
/// Subclasses supply the activation and the loss.
/// </summary>
public abstract class SaeModule : nn.Module, IFeaturePermutable, IFeatureDecoder
{
    /// <summary>Encoder weights [m, d].</summary>
    public Parameter W_enc { get; }
    /// <summary>Encoder bias [m].</summary>
    public Parameter b_enc { get; }
    /// <summary>Decoder weights [m, d]; row i is feature i's direction.</summary>
    public Parameter W_dec { get; }
    /// <summary>Decoder bias [d] (subtracted before encoding).</summary>
    public Parameter b_dec { get; }
    /// <summary>[m] int64: tokens since each feature last fired.</summary>
    public Tensor TokensSinceFired { get; }
    /// <summary>[m] int64: tokens on which each feature fired over the run.</summary>
    public Tensor FireTotals { get; }
    /// <summary>[m] float32: firing counts since the last metrics row (dense fraction).</summary>
    public Tensor FireWindow { get; }
    /// <summary>
    /// [m] int64: each feature's index before any reorder. It is permuted with everything else, so code that must not
    /// depend on the current labels (dead-feature resampling) can order features by it.
    /// </summary>
    public Tensor OriginalIndex { get; }

    /// <summary>
    /// Allocates parameters with random unit-norm decoder rows and a tied encoder (W_enc = W_dec) on
    /// <paramref name="device"/> (null: the CPU). The random draw is made on the CPU from <paramref name="generator"/>, so a
    /// seed gives the same start on every device.
    /// </summary>
    protected SaeModule(string name, int inputDim, int featureCount, Generator? generator, Device? device = null) : base(name)
    {
        InputDim = inputDim;
        FeatureCount = featureCount;
        Device = device ?? CPU;
        using (no_grad())
        {
            var dec = randn(featureCount, inputDim, generator: generator).to(Device);
            dec.div_(dec.norm(1, keepdim: true));
            W_enc = new Parameter(dec.clone());   // a Parameter takes over its tensor's handle
            W_dec = new Parameter(dec);
            b_enc = new Parameter(zeros(featureCount, device: Device));
            b_dec = new Parameter(zeros(inputDim, device: Device));
        }
        TokensSinceFired = zeros(featureCount, dtype: ScalarType.Int64, device: Device);
        FireTotals = zeros(featureCount, dtype: ScalarType.Int64, device: Device);
        FireWindow = zeros(featureCount, device: Device);
        OriginalIndex = arange(featureCount, dtype: ScalarType.Int64, device: Device);
        register_parameter("W_enc", W_enc);
        register_parameter("b_enc", b_enc);
        register_parameter("W_dec", W_dec);
        register_parameter("b_dec", b_dec);
        register_buffer("tokens_since_fired", TokensSinceFired);
        register_buffer("fire_totals", FireTotals);
        register_buffer("fire_window", FireWindow);
        register_buffer("original_index", OriginalIndex);
    }

    /// <summary>d.</summary>
    public int InputDim { get; }
    /// <summary>The device every parameter and buffer lives on.</summary>
    public Device Device { get; }
    /// <inheritdoc />
    public int FeatureCount { get; }
    /// <summary>The architecture this module trains.</summary>
    public abstract SaeArchitecture Architecture { get; }
    /// <summary>
    /// Top-k family (TopK, BatchTopK, Matryoshka): whether <see cref="Forward"/> keeps the codes sparse ([B, k] indices and
    /// values) and uses the sparse decoder and sparse weight gradients (default: the CPU kernels on float32 CPU tensors, the
    /// device-generic TorchSharp ops elsewhere). False computes the same loss with dense [B, m] codes (for comparison).
    /// Ignored by the other architectures.
    /// </summary>
    public bool SparseKernels { get; set; } = true;

    /// <summary>The sparse path uses the device-generic ops even on the CPU (tests compare them with the CPU kernels).</summary>
    internal bool GenericSparseOps { get; set; }

    /// <summary>
    /// Number format of the matrix products (<see cref="SaeTrainingOptions.Precision"/>). With bf16 the operands are cast
    /// (differentiably) to bfloat16 for each product and the results widened back where float32 arithmetic follows;
    /// parameters, their gradients and everything summed stay float32.
    /// </summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Fp32;

    /// <summary>The type the matrix products run in.</summary>
    public ScalarType ProductType => Precision == TrainingPrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <inheritdoc />
    public Tensor DecoderWeights => W_dec;

    /// <summary>Whether decoder rows are kept at unit norm (gradient projection + renormalisation).</summary>
    public virtual bool UnitNormDecoder => true;

    /// <summary>
    /// Pre-activations W_enc (x - b_dec) + b_enc, [B, m], in <see cref="ProductType"/>; b_dec is folded into the bias so the
    /// backward pass needs no [B,d] x [d,m] product for it.
    /// </summary>
    public Tensor PreActivations(Tensor x) => addmm(ForProduct(b_enc - mv(W_enc, b_dec)), ForProduct(x), ForProduct(W_enc).t(), 1, 1);

    /// <summary>x_hat = f W_dec + b_dec for dense codes f [B, m], float32.</summary>
    public Tensor Decode(Tensor codes) => AddProduct(b_dec, codes, W_dec);

    /// <summary>input + a b in float32, the product in <see cref="ProductType"/> (bf16: the sum is taken after widening, so b_dec keeps its float32 bits).</summary>
    internal Tensor AddProduct(Tensor input, Tensor a, Tensor b) =>
        Precision == TrainingPrecision.Fp32 ? addmm(input, a, b, 1, 1) : input + Product(a, b);

    /// <summary>The float32 result of a b computed in <see cref="ProductType"/>.</summary>
    internal Tensor Product(Tensor a, Tensor b) =>
        Precision == TrainingPrecision.Fp32 ? mm(a, b) : mm(ForProduct(a), ForProduct(b)).to(ScalarType.Float32);

    /// <summary>
    /// The <paramref name="k"/> largest of <paramref name="pre"/> [B, m] per row (values float32, indices), for the sparse path.
    /// In bf16 the product chooses <paramref name="candidates"/> features per row, and their float32 pre-activations
    /// W_enc[i] · (x − b_dec) + b_enc[i] (B · candidates · d multiply-adds) choose the k among them: the codes carry
    /// float32 values, and a tie between bf16-rounded values cannot make the choice depend on the features' order, so
    /// exact reordering stays a symmetry. <paramref name="candidates"/> must not count entries masked to −∞.
    /// </summary>
    internal (Tensor Values, Tensor Indices) SelectTopK(Tensor x, Tensor pre, int k, int candidates)
    {
        if (Precision == TrainingPrecision.Fp32 || candidates <= k) return pre.topk(k, dim: -1);
        var (exact, chosen) = ExactCandidates(x, pre, candidates);
        var (values, at) = exact.topk(k, dim: -1);
        return (values, chosen.gather(1, at));
    }

    /// <summary>The <paramref name="count"/> largest entries of <paramref name="pre"/> per row as float32 pre-activations [B, count] and their features.</summary>
    internal (Tensor Values, Tensor Indices) ExactCandidates(Tensor x, Tensor pre, int count)
    {
        using var _ = no_grad();
        var (_, chosen) = pre.topk(count, dim: -1);
        var centered = (x - b_dec).contiguous();
        var exact = SparseCodes.Dots(centered, chosen.contiguous(), W_enc.detach().contiguous(), SparseCodes.Generic(centered, GenericSparseOps))
            + b_enc.detach().index_select(0, chosen.flatten()).view(chosen.shape);
        return (exact, chosen);
    }

    /// <summary><paramref name="t"/> in <see cref="ProductType"/>: a differentiable cast, the same tensor when it already is.</summary>
    internal Tensor ForProduct(Tensor t) => t.dtype == ProductType ? t : t.to(ProductType);

    /// <summary>Forward pass and loss on a (normalised) batch x [B, d].</summary>
    public abstract SaeForward Forward(Tensor x, SaeLossContext context);

    /// <summary>Inference codes [B, m] (no straight-through terms, no batch coupling beyond a learned threshold).</summary>
    public abstract Tensor Encode(Tensor x);

    /// <summary>Called after backward, before the optimizer step: removes the gradient component along each decoder row.</summary>
    public virtual void BeforeOptimizerStep()
    {
        if (!UnitNormDecoder || W_dec.grad is not { } g) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // Rows are unit norm, so the parallel component is (g . w) w.
        var dots = (g * W_dec).sum(1, keepdim: true);
        g.sub_(dots * W_dec);
    }

    /// <summary>Called after the optimizer step: renormalises decoder rows.</summary>
    public virtual void AfterOptimizerStep(SaeLossContext context)
    {
        if (!UnitNormDecoder) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        W_dec.div_(W_dec.norm(1, keepdim: true));
    }

    /// <summary>Inference thresholds for export ([m]) or null.</summary>
    public virtual float[]? ExportThresholds() => null;

    /// <summary>The inference activation stored in <see cref="SaeWeights"/>.</summary>
    public abstract SaeActivation InferenceActivation { get; }

    /// <summary>k stored in <see cref="SaeWeights"/> (TopK activation), 0 otherwise.</summary>
    public virtual int ExportK => 0;

    /// <summary>Loads inference thresholds from <see cref="SaeWeights"/>.</summary>
    public virtual void ImportThresholds(float[]? thresholds) { }

    /// <inheritdoc />
    public virtual IEnumerable<(Parameter Parameter, long FeatureDim)> FeatureParameters()
    {
        yield return (W_enc, 0);
        yield return (b_enc, 0);
        yield return (W_dec, 0);
    }

    /// <inheritdoc />
    public virtual IEnumerable<(Tensor Buffer, long FeatureDim)> FeatureBuffers()
    {
        yield return (TokensSinceFired, 0);
        yield return (FireTotals, 0);
        yield return (FireWindow, 0);
        yield return (OriginalIndex, 0);
    }
}
