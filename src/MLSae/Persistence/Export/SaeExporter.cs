using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;
using MLSae.Persistence.Onnx;
using MLSae.Persistence.SaeLens;
using MLSae.Persistence.Sparsify;

namespace MLSae.Persistence.Export;

/// <summary>
/// Writes an SAE in one of the formats the Python tools and ML.NET read. Nothing is ever half-written under the
/// output name: files go through <see cref="AtomicFile"/>, folders are built in a temporary sibling folder and
/// renamed into place once complete. What a format cannot express is refused before anything is written.
/// </summary>
public static class SaeExporter
{
    /// <summary>Writes <paramref name="weights"/> as <paramref name="format"/> to <paramref name="outPath"/> (a folder for saelens and sparsify, a file otherwise).</summary>
    public static void Export(SaeWeights weights, SaeExportFormat format, string outPath, SaeExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentException.ThrowIfNullOrWhiteSpace(outPath);
        options ??= new SaeExportOptions();
        var full = Path.GetFullPath(outPath);
        EnsureExpressible(weights, format);
        if ((File.Exists(full) || Directory.Exists(full)) && !options.Overwrite)
            throw new IOException($"Output '{outPath}' already exists. Choose another path or set SaeExportOptions.Overwrite.");
        switch (format)
        {
            case SaeExportFormat.SaeLens:
                WriteFolder(full, tmp => SaeLensWriter.Write(weights, tmp));
                break;
            case SaeExportFormat.Sparsify:
                var hook = HookPoint(weights, options);
                WriteFolder(full, tmp => SparsifyWriter.Write(weights, Path.Combine(tmp, hook)));
                break;
            case SaeExportFormat.Onnx:
                RefuseFolder(full);
                SaeOnnx.Save(weights, full);
                break;
            case SaeExportFormat.MLNet:
                RefuseFolder(full);
                AtomicFile.Write(full, stream => SaveMLNet(weights, stream));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown export format.");
        }
    }

    /// <summary>Throws <see cref="NotSupportedException"/> when <paramref name="format"/> cannot express <paramref name="weights"/>.</summary>
    public static void EnsureExpressible(SaeWeights weights, SaeExportFormat format)
    {
        ArgumentNullException.ThrowIfNull(weights);
        switch (format)
        {
            case SaeExportFormat.Sparsify:
                SparsifyWriter.EnsureExpressible(weights);
                break;
            case SaeExportFormat.SaeLens when weights.Activation == SaeActivation.JumpReLU && weights.Thresholds!.Any(t => t < 0):
                // SAELens computes relu(pre) * (pre > t); MLSae pre * (pre > t). They differ for pre in (t, 0).
                throw new NotSupportedException($"SAELens's JumpReLU is relu(pre) * (pre > threshold), which differs from this SAE's pre * (pre > threshold) " +
                    $"for its {weights.Thresholds!.Count(t => t < 0)} negative thresholds (smallest {weights.Thresholds!.Min()}). Export it as onnx or mlnet instead.");
        }
    }

    static string HookPoint(SaeWeights weights, SaeExportOptions options)
    {
        var hook = options.HookPoint ?? weights.Info.HookName
            ?? throw new ArgumentException("The SAE records no hook name, and sparsify names its folder after the hook point: set SaeExportOptions.HookPoint.");
        if (hook.Length == 0 || hook is "." or ".." || hook.IndexOfAny([.. Path.GetInvalidFileNameChars(), '/', '\\']) >= 0)
            throw new ArgumentException($"Hook point '{hook}' cannot be a folder name; set SaeExportOptions.HookPoint to a plain name.");
        return hook;
    }

    static void RefuseFolder(string full)
    {
        if (Directory.Exists(full)) throw new IOException($"Output '{full}' is a folder; this format writes one file. Name the file to write.");
    }

    // Builds the folder beside its final place (same file system, so the rename is atomic), then swaps it in.
    static void WriteFolder(string full, Action<string> write)
    {
        if (File.Exists(full)) throw new IOException($"Output '{full}' is a file; this format writes a folder.");
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(full);
        var tmp = Path.Combine(parent, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string? old = null;
        try
        {
            write(tmp);
            if (Directory.Exists(full))
            {
                old = Path.Combine(parent, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.old");
                Directory.Move(full, old);
            }
            Directory.Move(tmp, full);
        }
        catch
        {
            if (old is not null && !Directory.Exists(full)) Directory.Move(old, full);
            TryDelete(tmp);
            throw;
        }
        if (old is not null) TryDelete(old);
    }

    static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    static void SaveMLNet(SaeWeights weights, Stream stream)
    {
        var ml = new MLContext(seed: 0);
        var definition = SchemaDefinition.Create(typeof(ActivationRow));
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, weights.InputDim);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<ActivationRow>(), definition);
        using var transformer = ml.Transforms.ApplySae(weights).Fit(empty);
        ml.Model.Save(transformer, empty.Schema, stream);
    }

    sealed class ActivationRow
    {
#pragma warning disable CS0649 // set by ML.NET through reflection
        public float[] Activation = [];
#pragma warning restore CS0649
    }
}
