using MLSae.Interventions;
using MLSae.Models;
using Onnx;
using DT = Onnx.TensorProto.Types.DataType;

namespace MLSae.Onnx;

/// <summary>
/// Splices an SAE into a model's ONNX graph at a hook tensor: the hook's consumers read the SAE
/// reconstruction (the SAE's encode and decode nodes inserted right after the hook), or zeros of
/// the hook's shape, so the whole edited model runs in ONNX Runtime. The hook (any rank, last axis
/// d, e.g. [batch, tokens, d]) is reshaped to [N, d] for the SAE and back. Works on any ONNX
/// model whose default-domain opset is at least <see cref="MinimumOpset"/>; the source model is not
/// changed and the result shares its initializer tensors.
/// </summary>
public static class SaeGraphSplice
{
    /// <summary>The lowest opset the inserted nodes are valid for (TopK with k as an input, ScatterElements, Slice with inputs).</summary>
    public const int MinimumOpset = 11;

    /// <summary>The model with <paramref name="hookTensor"/>'s consumers reading <paramref name="sae"/>'s reconstruction of it.</summary>
    public static ModelProto SpliceSae(ModelProto model, string hookTensor, SaeWeights sae, SaeSpliceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sae);
        return Replace(model, hookTensor, HookReplacement.SaeReconstruction, sae, options);
    }

    /// <summary>The model with <paramref name="hookTensor"/>'s consumers reading zeros of its shape.</summary>
    public static ModelProto ZeroAblate(ModelProto model, string hookTensor, SaeSpliceOptions? options = null) =>
        Replace(model, hookTensor, HookReplacement.Zeros, null, options);

    /// <summary>
    /// The model with <paramref name="hookTensor"/>'s consumers reading the hook with <paramref name="intervention"/>
    /// applied to <paramref name="sae"/>'s latents and the SAE error kept: x + (f' - f) W_dec.
    /// </summary>
    public static ModelProto Intervene(ModelProto model, string hookTensor, SaeWeights sae, SaeIntervention intervention, SaeSpliceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(intervention);
        return Replace(model, hookTensor, HookReplacement.Intervention, sae, options, intervention);
    }

    /// <summary>
    /// The model with every consumer of <paramref name="hookTensor"/> reading <paramref name="replacement"/>
    /// instead. Graph outputs keep their names; if the hook itself is a graph output it still holds the
    /// computed value (as GPT-NeoX's <c>SpliceHook</c> does).
    /// </summary>
    public static ModelProto Replace(ModelProto model, string hookTensor, HookReplacement replacement, SaeWeights? sae, SaeSpliceOptions? options = null,
        SaeIntervention? intervention = null)
    {
        options = Normalize(options);
        var hook = SpliceGraph.Locate(model, hookTensor, options);
        if (replacement != HookReplacement.Zeros && sae is null)
            throw new ArgumentNullException(nameof(sae), "Splicing the SAE reconstruction or an intervention needs the SAE's weights.");
        CheckIntervention(replacement, intervention, sae);
        var g = model.Graph;
        foreach (var n in g.Node)
            if (SpliceGraph.SubgraphReads(n, new HashSet<string>(StringComparer.Ordinal) { hookTensor }))
                throw new NotSupportedException($"Node '{n.Name}' ({n.OpType}) reads hook '{hookTensor}' inside a control-flow subgraph; splicing there is not supported. Pick a hook outside If/Loop/Scan bodies.");

        var added = SpliceGraph.Emit(hook, replacement, sae, options.Prefix, options.ReconstructMaskInput, intervention);
        var result = SpliceGraph.CopyWithoutNodes(g);
        result.Initializer.AddRange(added.Graph.Initializer);
        if (options.ReconstructMaskInput is { } mask && UsesMask(replacement))
            result.Input.Add(SpliceGraph.MaskInput(mask, hook));
        if (hook.Producer < 0) result.Node.AddRange(added.Graph.Node);
        for (int i = 0; i < g.Node.Count; i++)
        {
            var n = g.Node[i];
            result.Node.Add(n.Input.Contains(hookTensor) ? SpliceGraph.Rewire(n, t => t == hookTensor ? added.Output : t, null) : n);
            if (i == hook.Producer) result.Node.AddRange(added.Graph.Node);
        }
        return SpliceGraph.Wrap(model, result, hookTensor);
    }

    /// <summary>
    /// One model computing the original outputs and, per branch, a copy of every node downstream of
    /// <paramref name="hookTensor"/> that reads the branch's replacement; a copy's outputs are the
    /// original outputs that depend on the hook, named <c>{output}{Suffix}</c> (when the hook itself is
    /// an output, <c>{hook}{Suffix}</c> is the replacement). The part of the model before the hook runs
    /// once for all branches, which is why evaluation uses this rather than three separate models.
    /// </summary>
    public static ModelProto Branches(ModelProto model, string hookTensor, SaeWeights? sae, IReadOnlyList<SpliceBranch> branches, SaeSpliceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(branches);
        options = Normalize(options);
        if (branches.Count == 0) throw new ArgumentException("At least one branch is needed.", nameof(branches));
        if (branches.Any(b => string.IsNullOrEmpty(b.Suffix)) || branches.Select(b => b.Suffix).Distinct(StringComparer.Ordinal).Count() != branches.Count)
            throw new ArgumentException($"Branch suffixes must be non-empty and distinct (got {string.Join(", ", branches.Select(b => $"'{b.Suffix}'"))}).", nameof(branches));
        if (sae is null && branches.Any(b => b.Replacement != HookReplacement.Zeros))
            throw new ArgumentNullException(nameof(sae), "A branch splices the SAE reconstruction or an intervention, which needs the SAE's weights.");
        foreach (var b in branches) CheckIntervention(b.Replacement, b.Intervention, sae);
        var hook = SpliceGraph.Locate(model, hookTensor, options);
        var g = model.Graph;

        // Nodes are in topological order: one forward sweep finds everything the hook reaches.
        var reached = new HashSet<string>(StringComparer.Ordinal) { hookTensor };
        var downstream = new bool[g.Node.Count];
        for (int i = 0; i < g.Node.Count; i++)
        {
            var n = g.Node[i];
            if (SpliceGraph.SubgraphReads(n, reached))
                throw new NotSupportedException($"Node '{n.Name}' ({n.OpType}) reads a tensor downstream of hook '{hookTensor}' inside a control-flow subgraph; copying it is not supported. Pick a hook outside If/Loop/Scan bodies.");
            if (!n.Input.Any(reached.Contains)) continue;
            downstream[i] = true;
            foreach (var o in n.Output) if (o.Length > 0) reached.Add(o);
        }
        reached.Remove(hookTensor);
        var existing = SpliceGraph.AllNames(g);
        foreach (var b in branches)
            foreach (var t in reached.Append(hookTensor))
                if (existing.Contains(t + b.Suffix))
                    throw new ArgumentException($"Branch suffix '{b.Suffix}' would rename '{t}' to '{t + b.Suffix}', which the graph already uses; choose another suffix.", nameof(branches));

        var emitted = branches.Select(b => SpliceGraph.Emit(hook, b.Replacement, sae, options.Prefix + b.Suffix, options.ReconstructMaskInput, b.Intervention)).ToArray();
        var result = SpliceGraph.CopyWithoutNodes(g);
        foreach (var e in emitted) result.Initializer.AddRange(e.Graph.Initializer);
        if (options.ReconstructMaskInput is { } mask && branches.Any(b => UsesMask(b.Replacement)))
            result.Input.Add(SpliceGraph.MaskInput(mask, hook));
        if (hook.Producer < 0) foreach (var e in emitted) result.Node.AddRange(e.Graph.Node);
        for (int i = 0; i < g.Node.Count; i++)
        {
            result.Node.Add(g.Node[i]);
            if (i == hook.Producer) foreach (var e in emitted) result.Node.AddRange(e.Graph.Node);
        }
        for (int k = 0; k < branches.Count; k++)
        {
            string suffix = branches[k].Suffix, replacement = emitted[k].Output;
            string Map(string t) => t == hookTensor ? replacement : reached.Contains(t) ? t + suffix : t;
            for (int i = 0; i < g.Node.Count; i++)
                if (downstream[i]) result.Node.Add(SpliceGraph.Rewire(g.Node[i], Map, suffix));
            foreach (var o in g.Output)
            {
                if (o.Name == hookTensor)
                    result.Node.Add(new NodeProto { OpType = "Identity", Name = $"{options.Prefix}{suffix}/hook_output", Input = { replacement }, Output = { hookTensor + suffix } });
                else if (!reached.Contains(o.Name)) continue;
                var copy = o.Clone();
                copy.Name = o.Name + suffix;
                result.Output.Add(copy);
            }
        }
        return SpliceGraph.Wrap(model, result, hookTensor);
    }

    static bool UsesMask(HookReplacement r) => r != HookReplacement.Zeros;

    static void CheckIntervention(HookReplacement replacement, SaeIntervention? intervention, SaeWeights? sae)
    {
        if (replacement == HookReplacement.Intervention)
        {
            if (intervention is null) throw new ArgumentNullException(nameof(intervention), "HookReplacement.Intervention needs the SaeIntervention to apply.");
            intervention.Validate(sae!.FeatureCount);
        }
        else if (intervention is not null)
            throw new ArgumentException($"An intervention was given for a {replacement} splice; use HookReplacement.Intervention.", nameof(intervention));
    }

    static SaeSpliceOptions Normalize(SaeSpliceOptions? o)
    {
        o ??= new SaeSpliceOptions();
        if (string.IsNullOrWhiteSpace(o.Prefix)) throw new ArgumentException("The splice prefix must be non-empty.", nameof(o));
        return o;
    }
}
