using MLSae.Interventions;
using MLSae.Models;
using MLSae.Persistence.Onnx;
using Onnx;
using DT = Onnx.TensorProto.Types.DataType;

namespace MLSae.Onnx;

/// <summary>The hook tensor being spliced: its producer node (-1 for a graph input), element type and declared shape.</summary>
internal sealed record SpliceHook(string Name, int Producer, DT Type, TensorShapeProto? Shape);

/// <summary>Nodes that compute a hook's replacement; <see cref="Output"/> is what consumers read.</summary>
internal sealed record SpliceNodes(GraphProto Graph, string Output);

/// <summary>Graph helpers behind <see cref="SaeGraphSplice"/>.</summary>
internal static class SpliceGraph
{
    public static SpliceHook Locate(ModelProto model, string hookTensor, SaeSpliceOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(hookTensor);
        var g = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(model));
        long opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset < SaeGraphSplice.MinimumOpset)
            throw new NotSupportedException($"The model uses ONNX opset {opset}; splicing needs opset {SaeGraphSplice.MinimumOpset} or later. Re-export the model with a newer opset.");
        if (g.Initializer.Any(t => t.Name == hookTensor))
            throw new ArgumentException($"Tensor '{hookTensor}' is a weight (initializer), not an activation; splice an activation tensor.", nameof(hookTensor));
        int producer = -1;
        for (int i = 0; i < g.Node.Count && producer < 0; i++)
            if (g.Node[i].Output.Contains(hookTensor)) producer = i;
        if (producer < 0 && !g.Input.Any(v => v.Name == hookTensor))
            throw new ArgumentException($"Tensor '{hookTensor}' is neither produced by a node nor a graph input. Pass the tensor a hook resolves to (HookResolver.ListHooks lists them).", nameof(hookTensor));
        if (AllNames(g).FirstOrDefault(n => n.StartsWith(options.Prefix, StringComparison.Ordinal)) is { } clash)
            throw new ArgumentException($"The graph already has a name starting with the splice prefix '{options.Prefix}' ('{clash}'); set SaeSpliceOptions.Prefix to something else.", nameof(options));
        if (options.ReconstructMaskInput is { } mask && AllNames(g).Contains(mask))
            throw new ArgumentException($"The graph already has a tensor named '{mask}'; choose another ReconstructMaskInput name.", nameof(options));
        var info = g.Input.Concat(g.Output).Concat(g.ValueInfo).FirstOrDefault(v => v.Name == hookTensor && v.Type?.TensorType is not null);
        var type = info is { } v && v.Type.TensorType.ElemType != 0 ? (DT)v.Type.TensorType.ElemType : DT.Float;
        return new SpliceHook(hookTensor, producer, type, info?.Type.TensorType.Shape);
    }

    /// <summary>Every node output, input, initializer and node name of the top-level graph.</summary>
    public static HashSet<string> AllNames(GraphProto g)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in g.Node)
        {
            names.UnionWith(n.Output);
            names.UnionWith(n.Input);
            if (n.Name.Length > 0) names.Add(n.Name);
        }
        names.UnionWith(g.Input.Select(i => i.Name));
        names.UnionWith(g.Initializer.Select(t => t.Name));
        names.Remove("");
        return names;
    }

    /// <summary>True when a subgraph (If/Loop/Scan body) of <paramref name="node"/> reads one of <paramref name="names"/>.</summary>
    public static bool SubgraphReads(NodeProto node, IReadOnlySet<string> names)
    {
        foreach (var a in node.Attribute)
            foreach (var sub in a.G is null ? a.Graphs : a.Graphs.Append(a.G))
                foreach (var n in sub.Node)
                    if (n.Input.Any(names.Contains) || SubgraphReads(n, names)) return true;
        return false;
    }

    /// <summary>
    /// The nodes computing the replacement of <paramref name="hook"/>, every name under
    /// <paramref name="prefix"/>/. The SAE's nodes are those of the exported SAE graph
    /// (<see cref="SaeOnnx"/>), renamed; the hook is reshaped to [N, d] with its own last axis, so an
    /// SAE of another width fails in MatMul instead of silently regrouping values.
    /// </summary>
    public static SpliceNodes Emit(SpliceHook hook, HookReplacement replacement, SaeWeights? sae, string prefix, string? maskInput,
        SaeIntervention? intervention = null)
    {
        var b = new OnnxGraphBuilder(prefix);
        string P(string s) => $"{prefix}/{s}";
        string x = hook.Name;
        if (hook.Type != DT.Float) x = b.Node("Cast", [x], P("input_float"), ("to", (long)DT.Float));
        var shape = b.Node("Shape", [x], P("shape"));
        string result;
        if (replacement == HookReplacement.Zeros)
        {
            result = b.Node("ConstantOfShape", [shape], P("zeros"), ("value", FloatTensor(0f)));
        }
        else if (replacement == HookReplacement.Intervention && intervention!.Latents.Length == 0)
        {
            result = b.Node("Identity", [x], P("unedited"));   // no edits: f' = f, so x' = x exactly
        }
        else
        {
            b.AddInitializer(P("minus_one"), [-1L], 1);
            b.AddInitializer(P("int64_max"), [long.MaxValue], 1);
            var width = b.Node("Slice", [shape, P("minus_one"), P("int64_max")], P("width"));
            var flatShape = b.Node("Concat", [P("minus_one"), width], P("flat_shape"), ("axis", 0L));
            var flat = b.Node("Reshape", [x, flatShape], P("flat"));
            var flatRecon = replacement == HookReplacement.Intervention
                ? AppendIntervention(b, sae!, intervention!, flat, P("intervention/"))
                : AppendSae(b, sae!, flat, P("sae/"), SaeGraphKind.EncodeDecode);
            result = b.Node("Reshape", [flatRecon, shape], P("reconstruction"));
            if (maskInput is not null)
            {
                var m = b.Node("Cast", [maskInput], P("mask_bool"), ("to", (long)DT.Bool));
                var maskShape = b.Node("Shape", [m], P("mask_shape"));
                b.AddInitializer(P("one"), [1L], 1);
                var expandedShape = b.Node("Concat", [maskShape, P("one")], P("mask_shape_1"), ("axis", 0L));
                var expanded = b.Node("Reshape", [m, expandedShape], P("mask_expanded"));
                result = b.Node("Where", [expanded, result, x], P("spliced"));
            }
        }
        if (hook.Type != DT.Float) result = b.Node("Cast", [result], P("output"), ("to", (long)hook.Type));
        foreach (var n in b.Graph.Node)
            if (!n.Name.StartsWith(prefix + "/", StringComparison.Ordinal)) n.Name = P(n.Name);   // node names must be unique across branches
        return new SpliceNodes(b.Graph, result);
    }

    // x + (f' - f) W_dec restricted to the edited latents K: Gather f[:, K], the edit's delta, one [N, |K|] x [|K|, d] MatMul.
    static string AppendIntervention(OnnxGraphBuilder b, SaeWeights sae, SaeIntervention intervention, string flat, string prefix)
    {
        string P(string s) => prefix + s;
        var features = AppendSae(b, sae, flat, prefix + "sae/", SaeGraphKind.Encode);
        int k = intervention.Latents.Length, d = sae.InputDim;
        b.AddInitializer(P("latents"), intervention.Latents.Select(i => (long)i).ToArray(), k);
        b.AddInitializer(P("multiplier_minus_one"), intervention.Multipliers.Select(a => a - 1f).ToArray(), k);
        b.AddInitializer(P("active_values"), intervention.ActiveValues, k);
        b.AddInitializer(P("offsets"), intervention.Offsets, k);
        b.AddInitializer(P("zero"), [0f], 1);
        var directions = new float[k * d];
        for (int i = 0; i < k; i++) sae.DecoderRow(intervention.Latents[i]).CopyTo(directions.AsSpan(i * d, d));
        b.AddInitializer(P("directions"), directions, k, d);
        var edited = b.Node("Gather", [features, P("latents")], P("edited_codes"), ("axis", 1L));
        var scaled = b.Node("Mul", [edited, P("multiplier_minus_one")], P("scale_delta"));
        var fires = b.Node("Cast", [b.Node("Greater", [edited, P("zero")], P("fires_bool"))], P("fires"), ("to", (long)DT.Float));
        var clamped = b.Node("Mul", [fires, P("active_values")], P("active_delta"));
        var delta = b.Node("Add", [b.Node("Add", [scaled, clamped], P("delta_partial")), P("offsets")], P("delta"));
        var shift = b.Node("MatMul", [delta, P("directions")], P("shift"));
        return b.Node("Add", [flat, shift], P("edited"));
    }

    // The batched graph SaeOnnx exports (encode+decode, or encode only), moved into b with its input wired to `input`.
    static string AppendSae(OnnxGraphBuilder b, SaeWeights sae, string input, string prefix, SaeGraphKind kind)
    {
        var sg = SaeOnnxGraph.Build(sae, new SaeOnnxOptions { Kind = kind, Batched = true }).Graph;
        string Rename(string n) => n.Length == 0 ? n : n == SaeOnnxDefaults.InputName ? input : prefix + n;
        foreach (var t in sg.Initializer)
        {
            t.Name = Rename(t.Name);
            b.Graph.Initializer.Add(t);
        }
        foreach (var n in sg.Node)
        {
            var renamed = Rewire(n, Rename, null);
            renamed.Output.Clear();
            renamed.Output.AddRange(n.Output.Select(Rename));
            renamed.Name = prefix + n.Name;
            b.Graph.Node.Add(renamed);
        }
        return Rename(kind == SaeGraphKind.Encode ? SaeOnnxDefaults.FeaturesName : SaeOnnxDefaults.ReconstructionName);
    }

    /// <summary>A copy of <paramref name="n"/> with inputs mapped; with a suffix, outputs and name get it too.</summary>
    public static NodeProto Rewire(NodeProto n, Func<string, string> mapInput, string? suffix)
    {
        var copy = new NodeProto { OpType = n.OpType, Domain = n.Domain, Name = suffix is null || n.Name.Length == 0 ? n.Name : n.Name + suffix, DocString = n.DocString };
        copy.Attribute.AddRange(n.Attribute);
        copy.Input.AddRange(n.Input.Select(i => i.Length == 0 ? i : mapInput(i)));
        copy.Output.AddRange(suffix is null ? n.Output : n.Output.Select(o => o.Length == 0 ? o : o + suffix));
        return copy;
    }

    /// <summary>The int64 mask input: the hook's declared shape without its last axis, else [batch, tokens].</summary>
    public static ValueInfoProto MaskInput(string name, SpliceHook hook)
    {
        if (hook.Shape is { Dim.Count: > 1 } s)
        {
            var info = OnnxGraphBuilder.ValueInfo(name, DT.Int64);
            info.Type.TensorType.Shape.Dim.AddRange(s.Dim.Take(s.Dim.Count - 1).Select(d => d.Clone()));
            return info;
        }
        return OnnxGraphBuilder.ValueInfo(name, DT.Int64, "batch", "tokens");
    }

    public static GraphProto CopyWithoutNodes(GraphProto g)
    {
        var r = new GraphProto { Name = g.Name, DocString = g.DocString };
        r.Initializer.AddRange(g.Initializer);
        r.SparseInitializer.AddRange(g.SparseInitializer);
        r.Input.AddRange(g.Input);
        r.Output.AddRange(g.Output);
        r.ValueInfo.AddRange(g.ValueInfo);
        return r;
    }

    public static ModelProto Wrap(ModelProto source, GraphProto graph, string hookTensor)
    {
        var result = new ModelProto
        {
            IrVersion = source.IrVersion, ProducerName = source.ProducerName, ProducerVersion = source.ProducerVersion,
            Domain = source.Domain, ModelVersion = source.ModelVersion, DocString = source.DocString, Graph = graph,
        };
        result.OpsetImport.AddRange(source.OpsetImport);
        result.MetadataProps.AddRange(source.MetadataProps.Where(p => p.Key != "mlsae.spliced_hook"));
        result.MetadataProps.Add(new StringStringEntryProto { Key = "mlsae.spliced_hook", Value = hookTensor });
        result.Functions.AddRange(source.Functions);
        return result;
    }

    static TensorProto FloatTensor(float value)
    {
        var t = new TensorProto { DataType = (int)DT.Float };
        t.Dims.Add(1);
        t.FloatData.Add(value);
        return t;
    }
}
