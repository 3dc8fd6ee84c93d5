using static TorchSharp.torch;

namespace MLSae.Training;

/// <summary>
/// Called by the trainer after every optimizer step. Feature tracking and reorder strategies
/// are observers; they may permute the module's features in place (with the optimizer state)
/// from <see cref="OnStepEnd"/>. Observers run in registration order.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>Called once before the first step (also after a resume, with the restored step).</summary>
    void OnTrainingStart(TrainingStartContext context) { }

    /// <summary>Called after each optimizer step.</summary>
    void OnStepEnd(TrainingStepContext context);
}

/// <summary>What an observer sees when training starts.</summary>
/// <param name="Module">The SAE being trained.</param>
/// <param name="Optimizer">Its optimizer (Adam).</param>
/// <param name="FirstStep">The first step that will run (1 on a fresh run).</param>
/// <param name="TotalSteps">The last step.</param>
/// <param name="RunDirectory">Where the run writes its files; null for in-memory training.</param>
public sealed record TrainingStartContext(IFeaturePermutable Module, optim.Optimizer Optimizer, long FirstStep, long TotalSteps, string? RunDirectory);

/// <summary>What an observer sees after a step.</summary>
/// <param name="Step">The step just taken (1-based).</param>
/// <param name="Module">The SAE being trained.</param>
/// <param name="Optimizer">Its optimizer (Adam); its state is per parameter in parameters() order.</param>
/// <param name="FireCounts">[m] float32 on the training device: tokens in this step's batch (all micro-batches) where f_i &gt; 0.</param>
/// <param name="ActivationSums">[m] float32 on the training device: sum of f_i over this step's tokens.</param>
/// <param name="Tokens">Tokens in this step's batch.</param>
/// <param name="Loss">The step's total loss.</param>
/// <param name="RunDirectory">Where the run writes its files; null for in-memory training.</param>
public sealed record TrainingStepContext(long Step, IFeaturePermutable Module, optim.Optimizer Optimizer,
    Tensor FireCounts, Tensor ActivationSums, long Tokens, double Loss, string? RunDirectory);
