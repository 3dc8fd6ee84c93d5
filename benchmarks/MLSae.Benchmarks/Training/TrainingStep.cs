using MLSae.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Benchmarks.Training;

/// <summary>One optimizer step as the trainer runs it (forward, backward, decoder projection, Adam, renormalisation), for the training benchmarks.</summary>
static class TrainingStep
{
    /// <summary>A step on <paramref name="x"/> at step 100 with L1 coefficient 0.04 (standard) and the given dead-feature window (AuxK).</summary>
    public static void Run(SaeModule sae, Adam adam, Tensor x, long deadFeatureTokens = long.MaxValue)
    {
        using var scope = NewDisposeScope();
        var fwd = sae.Forward(x, new SaeLossContext(100, 0.04, deadFeatureTokens));
        fwd.Loss.backward();
        sae.BeforeOptimizerStep();
        adam.step();
        adam.zero_grad();
        sae.AfterOptimizerStep(default);
    }
}
