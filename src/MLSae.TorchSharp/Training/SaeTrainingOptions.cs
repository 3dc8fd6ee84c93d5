using MLSae.Models;

namespace MLSae.Training;

/// <summary>How the learning rate moves after warm-up.</summary>
public enum LearningRateSchedule
{
    /// <summary>Constant after warm-up.</summary>
    Constant,
    /// <summary>Cosine decay from the peak to the floor over the remaining steps.</summary>
    Cosine,
    /// <summary>Linear decay from the peak to the floor over the remaining steps.</summary>
    Linear,
}

/// <summary>How the L1 penalty of <see cref="SaeArchitecture.Standard"/> weights each code.</summary>
public enum L1Weighting
{
    /// <summary>Plain sum of |f_i|; decoder rows kept at unit norm (StandardTrainer).</summary>
    None,
    /// <summary>|f_i| x ||W_dec row i||; decoder norms left free (the "April update").</summary>
    DecoderNorm,
}

/// <summary>Initial value of the decoder bias b_dec (in normalised space).</summary>
public enum DecoderBiasInit
{
    /// <summary>Architecture default: geometric median for TopK-family, mean otherwise.</summary>
    Auto,
    /// <summary>Zeros.</summary>
    Zeros,
    /// <summary>Mean of a sample of activations.</summary>
    Mean,
    /// <summary>Geometric median of a sample of activations (Weiszfeld iterations).</summary>
    GeometricMedian,
}

/// <summary>How JumpReLU thresholds start.</summary>
public enum JumpReluThresholdInit
{
    /// <summary>
    /// Each feature's threshold at the quantile of its initial pre-activations (on up to 4,096 init-sample rows) that
    /// makes it fire on <see cref="SaeTrainingOptions.TargetL0"/> / m of them, so L0 starts at the target (MLSae's
    /// default; thresholds move by about the learning rate per step in log space, too slowly to get there from a constant).
    /// </summary>
    TargetL0Quantile,
    /// <summary><see cref="SaeTrainingOptions.JumpReluInitialThreshold"/> for every feature (dictionary_learning, SAELens).</summary>
    Constant,
}

/// <summary>Constant defaults of <see cref="SaeTrainingOptions"/>.</summary>
public static class SaeTrainingDefaults
{
    /// <summary>
    /// Default architecture: TopK with <see cref="K"/> = 64, sparse by construction whatever the data's scale (a fixed L1
    /// coefficient is not: 0.04 gives L0 ~ 750 of 3,072 on MiniLM layer 3). With <see cref="BatchSize"/> 1,024 and
    /// <see cref="WarmupSteps"/> 100 it reaches held-out explained variance 0.876 on MiniLM layer 3 within 5M tokens (k = 32:
    /// 0.838). For a standard SAE set a target with <see cref="SaeTrainingOptions.TargetL0"/>. Measurements:
    /// docs/training.md, "Defaults".
    /// </summary>
    public const SaeArchitecture Architecture = SaeArchitecture.TopK;
    /// <summary>m = expansion x d when <see cref="SaeTrainingOptions.FeatureCount"/> is 0.</summary>
    public const int Expansion = 8;
    /// <summary>L1 coefficient (standard; the start of the target-L0 controller when a target is set).</summary>
    public const double L1Coefficient = 0.04;
    /// <summary>k (topk, batchtopk, matryoshka, ordered): 64 reaches explained variance 0.85 within 5M tokens where 32 does not.</summary>
    public const int K = 64;
    /// <summary>JumpReLU's L0-loss target when <see cref="SaeTrainingOptions.TargetL0"/> is null.</summary>
    public const double TargetL0 = 20;
    /// <summary>JumpReLU L0 penalty coefficient (sparsity_penalty of the original baseline).</summary>
    public const double JumpReluSparsityCoefficient = 1.0;
    /// <summary>JumpReLU straight-through rectangle-kernel bandwidth.</summary>
    public const double JumpReluBandwidth = 0.001;
    /// <summary>JumpReLU initial threshold.</summary>
    public const double JumpReluInitialThreshold = 0.001;
    /// <summary>
    /// JumpReLU thresholds learn this many times faster than the weights: Adam moves log_threshold about one learning
    /// rate per step, so at the weights' rate a threshold changes by at most e^(lr x steps), too slow to follow the
    /// pre-activations in runs of a few thousand steps.
    /// </summary>
    public const double JumpReluThresholdLearningRateScale = 10;
    /// <summary>AuxK loss weight (1/32 as in OpenAI's TopK paper).</summary>
    public const double AuxKCoefficient = 1.0 / 32;
    /// <summary>Peak learning rate.</summary>
    public const double LearningRate = 3e-4;
    /// <summary>Adam beta1.</summary>
    public const double Beta1 = 0.9;
    /// <summary>Adam beta2.</summary>
    public const double Beta2 = 0.999;
    /// <summary>Adam epsilon.</summary>
    public const double AdamEpsilon = 1e-8;
    /// <summary>Tokens per micro-batch: 1,024 gives four times the optimizer steps of 4,096 for the same tokens, at about the same tokens/s.</summary>
    public const int BatchSize = 1024;
    /// <summary>Micro-batches per optimizer step.</summary>
    public const int GradientAccumulation = 1;
    /// <summary>Optimizer steps.</summary>
    public const long Steps = 10_000;
    /// <summary>Learning-rate warm-up steps (1,000, dictionary_learning's, spent a fifth of a 5M-token run below the peak).</summary>
    public const long WarmupSteps = 100;
    /// <summary>Sparsity (L1 / L0) penalty warm-up steps.</summary>
    public const long SparsityWarmupSteps = 1000;
    /// <summary>Learning-rate floor as a fraction of the peak.</summary>
    public const double LearningRateFloor = 0.0;
    /// <summary>Gradient-norm clipping (0 = off).</summary>
    public const double GradientClipNorm = 0;
    /// <summary>Decay of the moving-average activation norm for adaptive L1.</summary>
    public const double AdaptiveL1Decay = 0.99;
    /// <summary>A feature that has not fired for this many tokens is dead (metrics, AuxK).</summary>
    public const long DeadFeatureTokens = 10_000_000;
    /// <summary>Frequency above which a feature counts as dense.</summary>
    public const double DenseFrequency = 0.1;
    /// <summary>BatchTopK: step from which the inference threshold is tracked.</summary>
    public const long ThresholdStartStep = 1000;
    /// <summary>BatchTopK: decay of the threshold's moving average.</summary>
    public const double ThresholdDecay = 0.999;
    /// <summary>Rows used to estimate the normalisation scale and the b_dec init.</summary>
    public const int InitSampleRows = 32_768;
    /// <summary>Metrics every N steps.</summary>
    public const int LogEvery = 100;
    /// <summary>Checkpoint every N steps (0 = only at the end).</summary>
    public const int CheckpointEvery = 1000;
    /// <summary>Seed.</summary>
    public const int Seed = 42;
    /// <summary>Training device: "cpu".</summary>
    public const string Device = "cpu";
}

/// <summary>
/// Every option of SAE training. <c>new SaeTrainingOptions()</c> applies <see cref="SaeTrainingDefaults"/>;
/// serialisable as JSON (a run's resolved config is saved as <c>config.json</c>).
/// </summary>
public sealed record SaeTrainingOptions
{
    /// <summary>Options with every default.</summary>
    public SaeTrainingOptions() { }

    /// <summary>Architecture (decides the loss).</summary>
    public SaeArchitecture Architecture { get; init; } = SaeTrainingDefaults.Architecture;
    /// <summary>m; 0 means <see cref="Expansion"/> x d.</summary>
    public int FeatureCount { get; init; }
    /// <summary>Expansion factor used when <see cref="FeatureCount"/> is 0.</summary>
    public int Expansion { get; init; } = SaeTrainingDefaults.Expansion;
    /// <summary>L1 coefficient (standard).</summary>
    public double L1Coefficient { get; init; } = SaeTrainingDefaults.L1Coefficient;
    /// <summary>L1 weighting (standard): none, or by decoder norm (April update).</summary>
    public L1Weighting L1Weighting { get; init; } = L1Weighting.None;
    /// <summary>Scale L1 by batch activation norm / its moving average (the original Run 9).</summary>
    public bool AdaptiveL1 { get; init; }
    /// <summary>Decay of the adaptive-L1 moving average.</summary>
    public double AdaptiveL1Decay { get; init; } = SaeTrainingDefaults.AdaptiveL1Decay;
    /// <summary>k active features per token (topk), or k x batch per batch (batchtopk, matryoshka).</summary>
    public int K { get; init; } = SaeTrainingDefaults.K;
    /// <summary>AuxK loss weight (topk family); 0 disables.</summary>
    public double AuxKCoefficient { get; init; } = SaeTrainingDefaults.AuxKCoefficient;
    /// <summary>
    /// The L0 (features firing per token) training aims at, or null. Standard: the L1 coefficient adapts during training
    /// (starting at <see cref="L1Coefficient"/>) so that L0 settles here; null keeps <see cref="L1Coefficient"/> fixed.
    /// JumpReLU: the target of its L0 loss; null means <see cref="SaeTrainingDefaults.TargetL0"/>. Top-k family: must be null
    /// (<see cref="K"/> sets L0). At most m.
    /// </summary>
    public double? TargetL0 { get; init; }
    /// <summary>JumpReLU L0-penalty coefficient on dictionary_learning's E||x||^2 = 1 scale; multiplied by d when <see cref="NormalizeActivations"/> makes the reconstruction loss d times larger.</summary>
    public double JumpReluSparsityCoefficient { get; init; } = SaeTrainingDefaults.JumpReluSparsityCoefficient;
    /// <summary>JumpReLU STE bandwidth, for activations with E||x||^2 = 1 (dictionary_learning's scale); multiplied by sqrt(d) when <see cref="NormalizeActivations"/> scales to E||x||^2 = d.</summary>
    public double JumpReluBandwidth { get; init; } = SaeTrainingDefaults.JumpReluBandwidth;
    /// <summary>JumpReLU initial threshold with <see cref="JumpReluThresholdInit.Constant"/>, on the same scale as <see cref="JumpReluBandwidth"/>.</summary>
    public double JumpReluInitialThreshold { get; init; } = SaeTrainingDefaults.JumpReluInitialThreshold;
    /// <summary>How JumpReLU thresholds start.</summary>
    public JumpReluThresholdInit JumpReluThresholdInit { get; init; } = JumpReluThresholdInit.TargetL0Quantile;
    /// <summary>JumpReLU log-threshold learning rate as a multiple of the learning rate (1 = the references' single rate).</summary>
    public double JumpReluThresholdLearningRateScale { get; init; } = SaeTrainingDefaults.JumpReluThresholdLearningRateScale;
    /// <summary>Matryoshka prefix sizes as fractions of m, increasing, last 1; null = 1/16, 1/8, 1/4, 1/2, 1.</summary>
    public double[]? MatryoshkaPrefixFractions { get; init; }
    /// <summary>Matryoshka loss weights per prefix; null = equal weights summing to 1.</summary>
    public double[]? MatryoshkaWeights { get; init; }
    /// <summary>BatchTopK/Matryoshka: first step at which the inference threshold is tracked.</summary>
    public long ThresholdStartStep { get; init; } = SaeTrainingDefaults.ThresholdStartStep;
    /// <summary>BatchTopK/Matryoshka: moving-average decay of the threshold.</summary>
    public double ThresholdDecay { get; init; } = SaeTrainingDefaults.ThresholdDecay;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = SaeTrainingDefaults.LearningRate;
    /// <summary>Schedule after warm-up.</summary>
    public LearningRateSchedule LearningRateSchedule { get; init; } = LearningRateSchedule.Constant;
    /// <summary>Linear learning-rate warm-up steps.</summary>
    public long WarmupSteps { get; init; } = SaeTrainingDefaults.WarmupSteps;
    /// <summary>Floor of the decay as a fraction of <see cref="LearningRate"/>.</summary>
    public double LearningRateFloor { get; init; } = SaeTrainingDefaults.LearningRateFloor;
    /// <summary>Sparsity-penalty (L1 / L0) linear warm-up steps.</summary>
    public long SparsityWarmupSteps { get; init; } = SaeTrainingDefaults.SparsityWarmupSteps;
    /// <summary>Adam beta1.</summary>
    public double Beta1 { get; init; } = SaeTrainingDefaults.Beta1;
    /// <summary>Adam beta2.</summary>
    public double Beta2 { get; init; } = SaeTrainingDefaults.Beta2;
    /// <summary>Adam epsilon.</summary>
    public double AdamEpsilon { get; init; } = SaeTrainingDefaults.AdamEpsilon;
    /// <summary>Gradient-norm clipping; 0 disables.</summary>
    public double GradientClipNorm { get; init; } = SaeTrainingDefaults.GradientClipNorm;

    /// <summary>Tokens per micro-batch.</summary>
    public int BatchSize { get; init; } = SaeTrainingDefaults.BatchSize;
    /// <summary>Micro-batches per optimizer step.</summary>
    public int GradientAccumulation { get; init; } = SaeTrainingDefaults.GradientAccumulation;
    /// <summary>Optimizer steps (ignored when <see cref="Tokens"/> &gt; 0).</summary>
    public long Steps { get; init; } = SaeTrainingDefaults.Steps;
    /// <summary>Training tokens; when positive, steps = ceil(tokens / (batch x accumulation)).</summary>
    public long Tokens { get; init; }

    /// <summary>Scale activations so E||x||^2 = d (folded back at export).</summary>
    public bool NormalizeActivations { get; init; } = true;
    /// <summary>Initial encoder/decoder weights: per architecture as the references do, or the old tied unit-norm start.</summary>
    public WeightInit WeightInit { get; init; } = WeightInit.Reference;
    /// <summary>Initial decoder bias.</summary>
    public DecoderBiasInit DecoderBiasInit { get; init; } = DecoderBiasInit.Auto;
    /// <summary>Rows sampled for the normalisation scale and b_dec init.</summary>
    public int InitSampleRows { get; init; } = SaeTrainingDefaults.InitSampleRows;
    /// <summary>Standard: resample features dead over this many steps, every this many steps (0 = off).</summary>
    public long ResampleEverySteps { get; init; }
    /// <summary>A feature that has not fired for this many tokens counts as dead.</summary>
    public long DeadFeatureTokens { get; init; } = SaeTrainingDefaults.DeadFeatureTokens;
    /// <summary>Frequency above which a feature counts as dense.</summary>
    public double DenseFrequency { get; init; } = SaeTrainingDefaults.DenseFrequency;

    /// <summary>Metrics (metrics.csv and progress) every N steps.</summary>
    public int LogEvery { get; init; } = SaeTrainingDefaults.LogEvery;
    /// <summary>Checkpoint every N steps; 0 = only at the end. Needs a run directory.</summary>
    public int CheckpointEvery { get; init; } = SaeTrainingDefaults.CheckpointEvery;
    /// <summary>Seed for initialisation, batch order and resampling.</summary>
    public int Seed { get; init; } = SaeTrainingDefaults.Seed;
    /// <summary>Number format of the matrix products: float32, or bfloat16 with float32 master weights (see <see cref="TrainingPrecision"/>).</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;
    /// <summary>
    /// Where the module, optimizer state, batches and feature tracker live: "cpu", "cuda" (device 0) or "cuda:N". The random
    /// start is drawn on the CPU, and checkpoints hold CPU tensors, so a run started on one device resumes on another
    /// (this option may change on resume). CUDA needs the CUDA build of libtorch (docs/gpu.md).
    /// </summary>
    public string Device { get; init; } = SaeTrainingDefaults.Device;
    /// <summary>The sparse top-k path uses the device-generic TorchSharp ops even on the CPU (tests compare them with the CPU kernels).</summary>
    internal bool GenericSparseOps { get; init; }
    /// <summary>On Linux, keep freed large blocks in the heap (mallopt) so per-step tensors do not page-fault (see README, Troubleshooting: MALLOC_ARENA_MAX).</summary>
    public bool TuneAllocator { get; init; } = true;

    /// <summary>m for input width <paramref name="inputDim"/>.</summary>
    public int ResolveFeatureCount(int inputDim) => FeatureCount > 0 ? FeatureCount : checked(Expansion * inputDim);

    /// <summary>Tokens per optimizer step.</summary>
    public long TokensPerStep => (long)BatchSize * GradientAccumulation;

    /// <summary>Total optimizer steps.</summary>
    public long ResolveSteps() => Tokens > 0 ? (Tokens + TokensPerStep - 1) / TokensPerStep : Steps;
}
