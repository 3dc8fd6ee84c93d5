using System.Collections.Concurrent;
using System.Reflection;
using MLSae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Ordering;

/// <summary>
/// Permutes an SAE's features in place, under no_grad: every <see cref="IFeaturePermutable"/> parameter and buffer
/// along its feature dimension and, in <see cref="ReorderStateMode.Exact"/> mode, every per-parameter optimizer
/// state tensor of those parameters (Adam's exp_avg, exp_avg_sq and, with AMSGrad, max_exp_avg_sq). Tensors keep
/// their storage, so the optimizer stays bound to its parameters. Each tensor is copied once into a reused scratch
/// buffer and scattered back with index_copy_, so a reorder allocates nothing large after the first.
/// </summary>
public sealed class FeaturePermuter : IDisposable
{
    static readonly ConcurrentDictionary<Type, FieldInfo[]> s_stateFields = new();
    Tensor? _scratch;

    /// <summary>
    /// Applies <paramref name="order"/> (new feature j = old feature order[j]) to <paramref name="module"/> and, when
    /// <paramref name="mode"/> is Exact, to <paramref name="optimizer"/>'s state for the module's feature parameters.
    /// </summary>
    public void Permute(IFeaturePermutable module, optim.Optimizer? optimizer, ReadOnlySpan<int> order, ReorderStateMode mode)
    {
        ArgumentNullException.ThrowIfNull(module);
        int m = module.FeatureCount;
        if (order.Length != m) throw new ArgumentException($"Order has {order.Length} entries; the module has {m} features.", nameof(order));
        var inverse = FeatureOrder.Invert(order);
        var parameters = module.FeatureParameters().ToList();
        if (parameters.Count == 0) throw new ArgumentException($"{module.GetType().Name} lists no feature parameters.", nameof(module));
        var device = parameters[0].Parameter.device;

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var inv = tensor(Array.ConvertAll(inverse, i => (long)i), device: device);
        foreach (var (p, dim) in parameters) PermuteInPlace(p, dim, m, inv, "parameter");
        foreach (var (b, dim) in module.FeatureBuffers()) PermuteInPlace(b, dim, m, inv, "buffer");
        if (mode == ReorderStateMode.Exact && optimizer is not null)
            foreach (var (state, dim) in OptimizerStateTensors(optimizer, parameters))
                PermuteInPlace(state, dim, m, inv, "optimizer state");
    }

    /// <summary>
    /// The optimizer's per-parameter state tensors that have the shape of a feature parameter, with that parameter's
    /// feature dimension. Reaches the state through state_dict().State, which lists states in parameters() order.
    /// </summary>
    public static IEnumerable<(Tensor State, long FeatureDim)> OptimizerStateTensors(optim.Optimizer optimizer,
        IReadOnlyList<(Parameter Parameter, long FeatureDim)> featureParameters)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer is not OptimizerHelper helper)
            throw new NotSupportedException($"The optimizer state of {optimizer.GetType().Name} is not reachable from .NET; exact reordering needs a managed optimizer such as Adam. Set ReorderOptions.StateMode to Naive to skip it.");
        var states = helper.state_dict().State;
        var optimizerParams = helper.parameters().ToList();
        if (states.Count != optimizerParams.Count)
            throw new InvalidOperationException($"{optimizer.GetType().Name} has {states.Count} states for {optimizerParams.Count} parameters.");
        var byHandle = new Dictionary<IntPtr, OptimizerState>();
        for (int i = 0; i < states.Count; i++) byHandle[optimizerParams[i].Handle] = states[i];
        var result = new List<(Tensor, long)>();
        foreach (var (p, dim) in featureParameters)
        {
            if (!byHandle.TryGetValue(p.Handle, out var state))
                throw new InvalidOperationException($"A feature parameter of shape [{string.Join(", ", p.shape)}] is not optimised by the given optimizer; reordering cannot keep its state consistent.");
            foreach (var field in s_stateFields.GetOrAdd(state.GetType(), t =>
                         t.GetFields(BindingFlags.Public | BindingFlags.Instance).Where(f => f.FieldType == typeof(Tensor)).ToArray()))
            {
                if (field.GetValue(state) is Tensor s && !s.IsInvalid && s.shape.SequenceEqual(p.shape))
                    result.Add((s, dim));
            }
        }
        return result;
    }

    void PermuteInPlace(Tensor t, long dim, int m, Tensor inverse, string what)
    {
        if (dim < 0 || dim >= t.dim() || t.shape[dim] != m)
            throw new ArgumentException($"A feature {what} of shape [{string.Join(", ", t.shape)}] has no dimension {dim} of size m={m}.");
        var scratch = Scratch(t);
        scratch.copy_(t);
        // index_copy_ writes scratch slice i to position inverse[i]: new[inverse[old]] = old, i.e. new[j] = old[order[j]].
        t.index_copy_(dim, inverse, scratch);
    }

    Tensor Scratch(Tensor like)
    {
        long n = like.numel();
        bool compatible = _scratch is not null && _scratch.dtype == like.dtype
            && _scratch.device_type == like.device_type && _scratch.device_index == like.device_index;
        if (!compatible || _scratch!.numel() < n)
        {
            _scratch?.Dispose();
            _scratch = empty(n, dtype: like.dtype, device: like.device).DetachFromDisposeScope();
        }
        return _scratch.narrow(0, 0, n).view(like.shape);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _scratch?.Dispose();
        _scratch = null;
    }
}
