using Onnx;

namespace MLSae.Onnx;

/// <summary>
/// Edits ONNX graphs for extraction: makes intermediate tensors graph outputs and drops every
/// node, initializer and input those outputs do not depend on. The source model is not changed;
/// the result shares its (immutable) initializer tensors instead of copying them.
/// </summary>
public static class OnnxGraphSurgery
{
    /// <summary>
    /// A model whose outputs are exactly <paramref name="outputs"/> (tensor names of the graph),
    /// pruned to the nodes they need. Outputs without a declared type are declared float32.
    /// </summary>
    public static ModelProto ExposeAndPrune(ModelProto model, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs.Count == 0) throw new ArgumentException("At least one output is needed.", nameof(outputs));
        var g = model.Graph;
        var produced = new HashSet<string>(g.Node.SelectMany(n => n.Output), StringComparer.Ordinal);
        var inputs = g.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var o in outputs)
            if (!produced.Contains(o) && !inputs.Contains(o))
                throw new ArgumentException($"Tensor '{o}' is not produced by any node of the graph.", nameof(outputs));

        // Nodes are stored in topological order, so one backward sweep finds everything needed.
        var needed = new HashSet<string>(outputs, StringComparer.Ordinal);
        var keep = new bool[g.Node.Count];
        for (int i = g.Node.Count - 1; i >= 0; i--)
        {
            var n = g.Node[i];
            if (!n.Output.Any(needed.Contains)) continue;
            keep[i] = true;
            foreach (var input in n.Input) if (input.Length > 0) needed.Add(input);
            foreach (var a in n.Attribute) AddSubgraphInputs(a, needed);
        }

        var pruned = new GraphProto { Name = g.Name, DocString = g.DocString };
        for (int i = 0; i < g.Node.Count; i++) if (keep[i]) pruned.Node.Add(g.Node[i]);
        pruned.Initializer.AddRange(g.Initializer.Where(t => needed.Contains(t.Name)));
        pruned.SparseInitializer.AddRange(g.SparseInitializer.Where(t => needed.Contains(t.Values.Name)));
        pruned.Input.AddRange(g.Input.Where(v => needed.Contains(v.Name)));
        pruned.ValueInfo.AddRange(g.ValueInfo.Where(v => needed.Contains(v.Name) && !outputs.Contains(v.Name)));
        foreach (var o in outputs) pruned.Output.Add(OutputInfo(g, o));

        var result = new ModelProto
        {
            IrVersion = model.IrVersion, ProducerName = model.ProducerName, ProducerVersion = model.ProducerVersion,
            Domain = model.Domain, ModelVersion = model.ModelVersion, DocString = model.DocString, Graph = pruned,
        };
        result.OpsetImport.AddRange(model.OpsetImport);
        result.MetadataProps.AddRange(model.MetadataProps);
        result.Functions.AddRange(model.Functions);
        return result;
    }

    /// <summary>A copy of <paramref name="model"/> with <paramref name="outputs"/> added as graph outputs, nothing removed.</summary>
    public static ModelProto ExposeOutputs(ModelProto model, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        var copy = model.Clone();
        foreach (var o in outputs)
            if (!copy.Graph.Output.Any(v => v.Name == o)) copy.Graph.Output.Add(OutputInfo(copy.Graph, o));
        return copy;
    }

    // Declared type if the graph has one; else float32 of unknown shape (no Shape at all: an empty
    // Shape would declare a scalar and fail shape inference).
    static ValueInfoProto OutputInfo(GraphProto g, string name) =>
        g.Output.FirstOrDefault(v => v.Name == name)
        ?? g.ValueInfo.FirstOrDefault(v => v.Name == name)
        ?? new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        };

    static void AddSubgraphInputs(AttributeProto a, HashSet<string> needed)
    {
        IEnumerable<GraphProto> graphs = a.G is null ? a.Graphs : a.Graphs.Append(a.G);
        foreach (var sub in graphs)
            foreach (var n in sub.Node)
            {
                foreach (var input in n.Input) if (input.Length > 0) needed.Add(input);
                foreach (var inner in n.Attribute) AddSubgraphInputs(inner, needed);
            }
    }
}
