using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Persistence.SaeLens;
using MLSae.Transforms;

namespace MLSae.Scoring;

/// <summary>Loads an SAE from any saved form: an ML.NET model zip, an MLSae .onnx file or an SAELens folder.</summary>
public static class SaeLoader
{
    /// <summary>Reads the SAE at <paramref name="path"/>, choosing the format from what the path is.</summary>
    public static SaeWeights Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            return RunFolder.SaePath(path) is { } runSae ? Require(SaeOnnx.ReadFile(runSae), runSae) : SaeLensReader.Read(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"SAE '{path}' does not exist. Pass an ML.NET model zip, an MLSae .onnx file, a training run folder (holding sae.onnx) or an SAELens folder.", path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return Require(SaeOnnx.ReadFile(path), path);
        if (Path.GetFileName(path) == SaeLensFiles.Config)
            return SaeLensReader.Read(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return Require(SaeModelFile.Read(path), path);
    }

    static SaeWeights Require(SaeOnnxModel model, string path) =>
        model.Weights ?? throw new InvalidDataException(
            $"'{path}' holds an MLSae {model.Kind} graph, which lacks the encoder or decoder; scoring needs an EncodeDecode export.");
}
