using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using MLSae.Models;
using Onnx;

namespace MLSae.Persistence.Onnx;

/// <summary>
/// Exports <see cref="SaeWeights"/> as ONNX graphs (encode, decode or both; batched or one row)
/// with the SAE's description in metadata_props, and reads such graphs back into a typed view.
/// </summary>
public static class SaeOnnx
{
    /// <summary>Serialises <paramref name="weights"/> as an ONNX model.</summary>
    public static byte[] Export(SaeWeights weights, SaeOnnxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        options = Normalize(options);
        if (string.IsNullOrWhiteSpace(options.InputName) || string.IsNullOrWhiteSpace(options.FeaturesName) || string.IsNullOrWhiteSpace(options.ReconstructionName))
            throw new ArgumentException("Input, features and reconstruction names must be non-empty.", nameof(options));
        if (options.FeaturesName == options.ReconstructionName || options.InputName == options.FeaturesName || options.InputName == options.ReconstructionName)
            throw new ArgumentException($"Input '{options.InputName}', features '{options.FeaturesName}' and reconstruction '{options.ReconstructionName}' names must differ.", nameof(options));
        return SaeOnnxGraph.Build(weights, options).ToBytes(SaeOnnxMetadata.Write(weights, options));
    }

    /// <summary>Writes <see cref="Export"/>'s bytes to <paramref name="path"/> atomically.</summary>
    public static void Save(SaeWeights weights, string path, SaeOnnxOptions? options = null) =>
        AtomicFile.WriteAllBytes(path, Export(weights, options));

    /// <summary>Reads the SAE graph in the ONNX file at <paramref name="path"/>.</summary>
    public static SaeOnnxModel ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>True when <paramref name="onnxBytes"/> parse as ONNX with MLSae's format tag.</summary>
    public static bool IsSaeModel(byte[] onnxBytes)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(onnxBytes).MetadataProps.Any(p => p.Key == SaeOnnxMetadata.Format);
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    /// <summary>
    /// Recovers the typed view of an MLSae SAE graph from its metadata and initializers. Weights
    /// are exact (float32 initializers are copied, not recomputed).
    /// </summary>
    /// <param name="onnxBytes">The serialised model.</param>
    /// <param name="source">Where the bytes came from, for error messages.</param>
    public static SaeOnnxModel Read(byte[] onnxBytes, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(onnxBytes);
        source ??= "<ONNX bytes>";
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnxBytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{source} is not an ONNX model ({e.Message}).", e);
        }
        var md = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        if (md.GetValueOrDefault(SaeOnnxMetadata.Format) is not { } format)
            throw new InvalidDataException($"{source} is an ONNX model but not an MLSae SAE: it has no '{SaeOnnxMetadata.Format}' metadata. Export SAEs with SaeOnnx.Export or MLSae's ML.NET transformer.");
        if (format != SaeOnnxMetadata.FormatVersion)
            throw new InvalidDataException($"{source} is MLSae SAE format '{format}'; this version reads '{SaeOnnxMetadata.FormatVersion}'. Upgrade MLSae.");

        var kind = Enum<SaeGraphKind>(md, SaeOnnxMetadata.Kind, source);
        var arch = Enum<SaeArchitecture>(md, SaeOnnxMetadata.Architecture, source);
        var act = Enum<SaeActivation>(md, SaeOnnxMetadata.Activation, source);
        int d = Int(md, SaeOnnxMetadata.InputDim, source), m = Int(md, SaeOnnxMetadata.FeatureCount, source), k = Int(md, SaeOnnxMetadata.K, source);
        var info = SaeOnnxMetadata.ReadInfo(md, source);

        SaeWeights? weights = null;
        if (kind == SaeGraphKind.EncodeDecode)
        {
            var inits = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
            float[] Get(string name, params long[] dims)
            {
                if (!inits.TryGetValue(name, out var t))
                    throw new InvalidDataException($"{source}: MLSae SAE graph lacks initializer '{name}'.");
                if (!t.Dims.SequenceEqual(dims))
                    throw new InvalidDataException($"{source}: initializer '{name}' has shape [{string.Join(", ", t.Dims)}]; expected [{string.Join(", ", dims)}].");
                return Floats(t, source);
            }
            weights = new SaeWeights(arch, act, d, m,
                SaeOnnxGraph.Transpose(Get(SaeOnnxGraph.WEnc, d, m), d, m), Get(SaeOnnxGraph.BEnc, m),
                Get(SaeOnnxGraph.WDec, m, d), Get(SaeOnnxGraph.BDec, d),
                act == SaeActivation.JumpReLU ? Get(SaeOnnxGraph.Threshold, m) : null, k)
            { Info = info };
        }

        return new SaeOnnxModel
        {
            Kind = kind,
            Batched = md.GetValueOrDefault(SaeOnnxMetadata.Batched) == "true",
            Architecture = arch,
            Activation = act,
            InputDim = d,
            FeatureCount = m,
            K = k,
            InputName = md.GetValueOrDefault(SaeOnnxMetadata.InputName) ?? SaeOnnxDefaults.InputName,
            FeaturesName = md.GetValueOrDefault(SaeOnnxMetadata.FeaturesName) ?? SaeOnnxDefaults.FeaturesName,
            ReconstructionName = md.GetValueOrDefault(SaeOnnxMetadata.ReconstructionName) ?? SaeOnnxDefaults.ReconstructionName,
            Info = info,
            Weights = weights,
        };
    }

    static float[] Floats(TensorProto t, string source)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"{source}: initializer '{t.Name}' is not float32.");
        if (!t.RawData.IsEmpty) return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
        return t.FloatData.ToArray();
    }

    static T Enum<T>(Dictionary<string, string> md, string key, string source) where T : struct, Enum =>
        md.TryGetValue(key, out var v) && System.Enum.TryParse<T>(v, out var r) ? r
        : throw new InvalidDataException($"{source}: metadata '{key}' is missing or not one of {string.Join(", ", System.Enum.GetNames<T>())}.");

    static int Int(Dictionary<string, string> md, string key, string source) =>
        md.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r
        : throw new InvalidDataException($"{source}: metadata '{key}' is missing or not an integer.");

    static SaeOnnxOptions Normalize(SaeOnnxOptions? o) => o ?? new SaeOnnxOptions();
}
