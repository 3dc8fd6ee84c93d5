using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Ordering;

/// <summary>
/// Reorders features during training: after each step asks its <see cref="IReorderStrategy"/>; when it says so,
/// sorts features by the tracker's key (descending, stable) and permutes the module, the optimizer state
/// (per <see cref="ReorderOptions.StateMode"/>) and the tracker. Register it after its <see cref="FeatureTracker"/>.
/// Its state lives in the tracker (the permutation log), so it has none of its own.
/// </summary>
public sealed class FeatureReorderObserver : ITrainingObserver, IDisposable
{
    readonly FeaturePermuter _permuter = new();

    /// <summary>A reorderer driven by <paramref name="strategy"/>, reading keys from <paramref name="tracker"/>.</summary>
    public FeatureReorderObserver(FeatureTracker tracker, IReorderStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(strategy);
        Tracker = tracker;
        Strategy = strategy;
    }

    /// <summary>The tracker whose statistics decide the order.</summary>
    public FeatureTracker Tracker { get; }

    /// <summary>The strategy.</summary>
    public IReorderStrategy Strategy { get; }

    /// <summary>Reorders applied since creation (a resumed run counts from the resume).</summary>
    public int ReorderCount { get; private set; }

    /// <inheritdoc />
    public void OnStepEnd(TrainingStepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!Strategy.ShouldReorder(context.Step, Tracker)) return;
        ReorderNow(context.Step, context.Module, context.Optimizer, Strategy.Name);
    }

    /// <summary>Sorts and permutes now; returns false (changing nothing) when the order is already sorted.</summary>
    public bool ReorderNow(long step, IFeaturePermutable module, optim.Optimizer? optimizer, string reason)
    {
        var keys = Tracker.SortKeys(Tracker.Options.By, module);
        var order = FeatureOrder.SortDescending(keys);
        if (FeatureOrder.IsIdentity(order)) return false;
        _permuter.Permute(module, optimizer, order, Tracker.Options.StateMode);
        using (var scope = NewDisposeScope())
        {
            var device = module.FeatureParameters().First().Parameter.device;
            var orderOnDevice = tensor(Array.ConvertAll(order, i => (long)i), device: device);
            Tracker.Permute(step, order, orderOnDevice,
                $"{reason}:{Tracker.Options.By.ToString().ToLowerInvariant()}:{Tracker.Options.StateMode.ToString().ToLowerInvariant()}");
        }
        ReorderCount++;
        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _permuter.Dispose();
}

/// <summary>Builds the ordering observers a trainer registers.</summary>
public static class FeatureOrdering
{
    /// <summary>
    /// The tracker and (unless the strategy is none) the reorderer for <paramref name="options"/>, in the order to
    /// register them. The tracker is the checkpointed one; use it to fill SaeInfo on export (<see cref="FeatureTracker.ApplyTo"/>).
    /// </summary>
    public static (FeatureTracker Tracker, IReadOnlyList<ITrainingObserver> Observers) CreateObservers(ReorderOptions options)
    {
        options ??= new ReorderOptions();
        var tracker = new FeatureTracker(options);
        if (options.Strategy == ReorderStrategyKind.None) return (tracker, [tracker]);
        return (tracker, [tracker, new FeatureReorderObserver(tracker, ReorderStrategies.Create(options))]);
    }
}
