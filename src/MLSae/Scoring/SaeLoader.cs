using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Persistence.SaeLens;
using MLSae.Persistence.Sparsify;
using MLSae.Transforms;

namespace MLSae.Scoring;

/// <summary>Loads an SAE from any saved form: an ML.NET model zip, an MLSae .onnx file, a run folder, an SAELens folder or a sparsify folder.</summary>
public static class SaeLoader
{
    /// <summary>Reads the SAE at <paramref name="path"/>, choosing the format from what the path is.</summary>
    public static SaeWeights Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
            return LoadFolder(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"SAE '{path}' does not exist. Pass an ML.NET model zip, an MLSae .onnx file, a training run folder (holding sae.onnx), an SAELens folder or a sparsify folder.", path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return Require(SaeOnnx.ReadFile(path), path);
        if (Path.GetFileName(path) == SaeLensFiles.Config)
            return LoadFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return Require(SaeModelFile.Read(path), path);
    }

    // Each folder format is recognised by the files its tool writes; a folder that matches none is named with what each needs.
    static SaeWeights LoadFolder(string path)
    {
        if (RunFolder.SaePath(path) is { } runSae) return Require(SaeOnnx.ReadFile(runSae), runSae);
        if (SaeLensFiles.IsSaeLensFolder(path)) return SaeLensReader.Read(path);
        if (SparsifyFiles.IsSparsifyFolder(path) || SparsifyFiles.HookPointFolders(path).Count > 0) return SparsifyReader.Read(path);
        throw new FileNotFoundException($"'{path}' is no SAE folder MLSae knows. Tried: an MLSae run folder (needs {RunFolder.Sae}), " +
            $"an SAELens folder (needs {SaeLensFiles.Config} and {SaeLensFiles.Weights}), a sparsify folder (needs {SparsifyFiles.Config} and " +
            $"{SparsifyFiles.Weights}, or one subfolder per hook point holding them). Files also accepted: an .onnx file or an ML.NET model zip.", path);
    }

    static SaeWeights Require(SaeOnnxModel model, string path) =>
        model.Weights ?? throw new InvalidDataException(
            $"'{path}' holds an MLSae {model.Kind} graph, which lacks the encoder or decoder; scoring needs an EncodeDecode export.");
}
