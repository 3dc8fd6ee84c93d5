using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;
using MLSae.Scoring;

namespace MLSae.Runs;

/// <summary>Options of <see cref="ReorderRun.Reorder"/>.</summary>
public sealed record ReorderRunOptions
{
    /// <summary>Options with every default applied.</summary>
    public ReorderRunOptions() { }

    /// <summary>The sort key, the rows read for it and the random-order seed.</summary>
    public SaeReorderOptions Reorder { get; init; } = new();
    /// <summary>Also write prefix_curves.csv (original, frequency, mean-activation, importance and random orders) on at most <see cref="PrefixCurveRows"/> rows.</summary>
    public bool PrefixCurves { get; init; }
    /// <summary>Rows for the prefix curves (also capped by <see cref="SaeReorderOptions.MaxRows"/>).</summary>
    public long PrefixCurveRows { get; init; } = ReorderRunDefaults.PrefixCurveRows;
    /// <summary>Replace an SAE the output folder already holds.</summary>
    public bool Overwrite { get; init; }
}

/// <summary>Defaults of <see cref="ReorderRunOptions"/>.</summary>
public static class ReorderRunDefaults
{
    /// <summary>Rows for the prefix curves.</summary>
    public const long PrefixCurveRows = 100_000;
}

/// <summary>
/// A post-hoc reorder of a trained SAE into a new run folder (`mlsae reorder`): the features sorted by a key computed on
/// activations, or aligned to a reference SAE; sae.onnx holds the permutation log and the original indices. The result
/// reconstructs exactly as before. Refuses to write into the SAE's own folder or over an SAE without
/// <see cref="ReorderRunOptions.Overwrite"/>.
/// </summary>
public static class ReorderRun
{
    /// <summary>Sorts the features of the SAE at <paramref name="sae"/> by a key computed on <paramref name="activations"/> and writes the result into <paramref name="outputDirectory"/>.</summary>
    public static SaeReorderResult Reorder(string sae, string activations, string outputDirectory, ReorderRunOptions? options = null, IRunProgress? progress = null)
    {
        options ??= new ReorderRunOptions();
        progress ??= IRunProgress.Silent;
        if (options.Reorder.MaxRows <= 0) throw new ArgumentException($"SaeReorderOptions.MaxRows must be positive (got {options.Reorder.MaxRows}).", nameof(options));
        var target = Target(sae, outputDirectory, options.Overwrite);
        var weights = SaeLoader.Load(sae);
        var source = ActivationSources.Open(activations);
        try
        {
            var result = progress.Stage($"reorder by {options.Reorder.By}", p => SaeFeatureReorder.Reorder(weights, source, options.Reorder, p));
            Directory.CreateDirectory(outputDirectory);
            SaeOnnx.Save(result.Weights, target);
            if (options.PrefixCurves)
            {
                var curves = progress.Stage("prefix curves", p => PrefixCurves.CompareOrderings(weights, source,
                    Math.Min(options.Reorder.MaxRows, options.PrefixCurveRows), options.Reorder.Seed, p));
                PrefixCurveFile.Write(outputDirectory, curves);
            }
            return result;
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    /// <summary>Permutes the features of the SAE at <paramref name="sae"/> to best match the SAE at <paramref name="reference"/> (same d and m) and writes the result into <paramref name="outputDirectory"/>.</summary>
    public static SaeWeights Align(string sae, string reference, string outputDirectory, bool overwrite = false)
    {
        var target = Target(sae, outputDirectory, overwrite);
        var aligned = SaeFeatureAlignment.AlignTo(SaeLoader.Load(sae), SaeLoader.Load(reference));
        Directory.CreateDirectory(outputDirectory);
        SaeOnnx.Save(aligned, target);
        return aligned;
    }

    /// <summary>sae.onnx in <paramref name="outDir"/>, refused when that is the input's folder or already holds an SAE (unless <paramref name="overwrite"/>).</summary>
    static string Target(string sae, string outDir, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sae);
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        if (Path.GetFullPath(sae) == Path.GetFullPath(outDir))
            throw new ArgumentException($"The output folder '{outDir}' is the SAE's own run folder; write the reordered SAE to a new folder.");
        var target = Path.Combine(outDir, RunFolder.Sae);
        if (File.Exists(target) && !overwrite)
            throw new IOException($"'{target}' exists; pass overwrite: true to replace it or choose another output folder.");
        return target;
    }
}
