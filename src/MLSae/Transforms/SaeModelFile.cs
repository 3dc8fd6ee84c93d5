using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML;
using MLSae.Persistence.Onnx;

namespace MLSae.Transforms;

/// <summary>
/// Recovers the typed SAE view from ML.NET model zips. <c>Model.Load</c> gives back an
/// OnnxTransformer, not <see cref="SaeTransformer"/>; the ONNX bytes (and the metadata MLSae put
/// in them) are stored verbatim in the zip, so they are read from there.
/// </summary>
public static class SaeModelFile
{
    /// <summary>The one SAE in the ML.NET model zip at <paramref name="zipPath"/>.</summary>
    public static SaeOnnxModel Read(string zipPath)
    {
        var all = ReadAll(zipPath);
        return all.Count == 1 ? all[0]
            : throw new InvalidDataException($"'{zipPath}' holds {all.Count} MLSae SAEs; use ReadAll to choose one.");
    }

    /// <summary>Every SAE in the ML.NET model zip at <paramref name="zipPath"/>, in pipeline order.</summary>
    public static IReadOnlyList<SaeOnnxModel> ReadAll(string zipPath)
    {
        if (!File.Exists(zipPath)) throw new FileNotFoundException($"Model file '{zipPath}' does not exist.", zipPath);
        using var stream = File.OpenRead(zipPath);
        return ReadAll(stream, zipPath);
    }

    /// <summary>The one SAE in <paramref name="model"/> (for example the result of <c>Model.Load</c>).</summary>
    public static SaeOnnxModel FromModel(MLContext mlContext, ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        using var ms = new MemoryStream();
        mlContext.Model.Save(model, null, ms);
        ms.Position = 0;
        var all = ReadAll(ms, "<in-memory model>");
        return all.Count == 1 ? all[0]
            : throw new InvalidDataException($"The model holds {all.Count} MLSae SAEs; expected one.");
    }

    /// <summary>Every SAE in an ML.NET model zip held in <paramref name="zip"/>.</summary>
    public static IReadOnlyList<SaeOnnxModel> ReadAll(Stream zip, string source) =>
        ReadOnnxGraphs(zip, source).Select(g => SaeOnnx.Read(g.Bytes, $"{source}!{g.Entry}")).ToArray();

    /// <summary>The ONNX bytes of every MLSae SAE in the zip; throws when there is none.</summary>
    internal static IReadOnlyList<(string Entry, byte[] Bytes)> ReadOnnxGraphs(Stream zip, string source)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{source}' is not an MLSae model: it is not a zip file ({e.Message}). Pass an ML.NET model zip, an .onnx file or a SAELens folder.", e);
        }
        using (archive)
        {
            var found = new List<(string, byte[])>();
            var corrupt = new List<string>();
            int onnxEntries = 0;
            foreach (var entry in archive.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                if (entry.Name != "OnnxModel") continue;
                onnxEntries++;
                byte[] bytes;
                try
                {
                    bytes = Unwrap(ReadEntry(entry));
                }
                catch (InvalidDataException e)   // a damaged deflate stream or a CRC mismatch
                {
                    corrupt.Add($"'{entry.FullName}' ({e.Message})");
                    continue;
                }
                if (SaeOnnx.IsSaeModel(bytes)) found.Add((entry.FullName, bytes));
                else if (!IsOnnx(bytes)) corrupt.Add($"'{entry.FullName}' (its bytes do not parse as an ONNX model)");
            }
            if (found.Count == 0 && corrupt.Count > 0)
                throw new InvalidDataException(
                    $"'{source}' is corrupt: ONNX entry {string.Join(", ", corrupt)} is damaged. Save the model again, or restore the file from a good copy.");
            if (found.Count == 0)
            {
                var what = archive.Entries.Any(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal) || e.Name == "Model.key")
                    ? "an ML.NET model" : "a zip";
                throw new InvalidDataException(
                    $"'{source}' is not an MLSae model: it is {what} with {onnxEntries} ONNX graph(s) and none carries MLSae SAE metadata. " +
                    "Save a pipeline that contains ApplySae/TrainSae, or pass an .onnx file exported by MLSae or a SAELens folder.");
            }
            return found;
        }
    }

    static bool IsOnnx(byte[] bytes)
    {
        try
        {
            var model = global::Onnx.ModelProto.Parser.ParseFrom(bytes);
            return model.Graph is not null;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return false;
        }
    }

    static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    // ML.NET writes the model with BinaryWriter.WriteByteArray: an int32 length, then the bytes.
    static byte[] Unwrap(byte[] raw)
    {
        if (raw.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(raw) == raw.Length - 4) return raw[4..];
        if (raw.Length >= 8 && BinaryPrimitives.ReadInt64LittleEndian(raw) == raw.Length - 8) return raw[8..];
        return raw;
    }
}
