using Google.Protobuf;
using Onnx;

namespace MLSae.Onnx;

/// <summary>
/// Builds ONNX graphs in code (SAE encode/decode graphs, GPT-NeoX models, splices) on the
/// protobuf classes OnnxSharp provides. Dimensions are given as <see cref="long"/> values or
/// <see cref="string"/> names for symbolic dimensions ("batch", "tokens").
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The opset MLSae's generated graphs target (ONNX Runtime 1.31 supports it fully).</summary>
    public const int DefaultOpset = 17;

    int _unique;

    /// <summary>Starts an empty graph called <paramref name="graphName"/>.</summary>
    public OnnxGraphBuilder(string graphName, int opset = DefaultOpset)
    {
        Graph = new GraphProto { Name = graphName };
        Opset = opset;
    }

    /// <summary>The graph being built; edit directly for anything the helpers lack.</summary>
    public GraphProto Graph { get; }

    /// <summary>The default-domain opset version.</summary>
    public int Opset { get; }

    /// <summary>A name not used before in this builder, from <paramref name="prefix"/>.</summary>
    public string UniqueName(string prefix) => $"{prefix}_{_unique++}";

    /// <summary>Adds a float32 constant tensor.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds an int64 constant tensor.</summary>
    public string AddInitializer(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds a graph input.</summary>
    public string AddInput(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Adds a graph output.</summary>
    public string AddOutput(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Graph.Output.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Node(string opType, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        Nodes(opType, inputs, [output], attributes);
        return output;
    }

    /// <summary>Adds a node with several outputs.</summary>
    public NodeProto Nodes(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = UniqueName(opType) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (n, v) in attributes) node.Attribute.Add(Attribute(n, v));
        Graph.Node.Add(node);
        return node;
    }

    /// <summary>Wraps the graph in a model with <paramref name="metadata"/> as metadata_props.</summary>
    public ModelProto Build(IReadOnlyDictionary<string, string>? metadata = null, string producer = "MLSae")
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = producer, Graph = Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (metadata is not null)
            foreach (var (k, v) in metadata)
                model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }

    /// <summary>Serialises <see cref="Build"/>'s model.</summary>
    public byte[] ToBytes(IReadOnlyDictionary<string, string>? metadata = null) => Build(metadata).ToByteArray();

    /// <summary>A tensor value-info with the given element type and dimensions.</summary>
    public static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                string s => new TensorShapeProto.Types.Dimension { DimParam = s },
                int i => new TensorShapeProto.Types.Dimension { DimValue = i },
                long l => new TensorShapeProto.Types.Dimension { DimValue = l },
                _ => throw new ArgumentException($"Dimension {d} must be a long, an int or a string.", nameof(dims)),
            });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    static AttributeProto Attribute(string name, object value) => value switch
    {
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ls => Ints(name, ls),
        int[] ints => Ints(name, Array.ConvertAll(ints, x => (long)x)),
        TensorProto t => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = t },
        _ => throw new ArgumentException($"Attribute '{name}' has unsupported type {value.GetType().Name}.", nameof(value)),
    };

    static AttributeProto Ints(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
