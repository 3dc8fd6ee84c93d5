using MLSae.Models;
using MLSae.Diagnostics;

namespace MLSae.Evaluation.Probing;

/// <summary>Builds <see cref="PooledProbingData"/> by running texts through the model and the SAE and mean-pooling per text.</summary>
public static class ProbingDataBuilder
{
    /// <summary>
    /// Mean-pools each text's token activations and its SAE codes. Texts that yield no tokens are
    /// dropped (reported once through <see cref="MLSaeLog"/>). Codes are pooled as <paramref name="sae"/> gives them; inputs are
    /// ranked by mean difference across features, so pass a <see cref="UnitRowSaeForward"/> (as <c>mlsae eval</c> does) to rank
    /// the unit-decoder-row codes SAEBench's probing sees.
    /// </summary>
    public static PooledProbingData Build(IReadOnlyList<LabeledText> texts, ITextActivationSource model, ISaeForward sae,
        IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        if (model.Dimension != sae.InputDim)
            throw new ArgumentException($"The model hook gives d={model.Dimension} but the SAE reads d={sae.InputDim}.", nameof(sae));
        int d = sae.InputDim, m = sae.FeatureCount;
        var raw = new List<float[]>();
        var codes = new List<float[]>();
        var labels = new List<string>();
        int dropped = 0;
        for (int t = 0; t < texts.Count; t++)
        {
            var x = model.GetTokenActivations(texts[t].Text, out int rows);
            if (rows == 0) { dropped++; continue; }
            var f = new float[rows * m];
            var xHat = new float[rows * d];
            sae.Run(x.AsSpan(0, rows * d), rows, f, xHat);
            raw.Add(MeanRows(x, rows, d));
            codes.Add(MeanRows(f, rows, m));
            labels.Add(texts[t].Label);
            progress?.Report(new ProgressInfo(t + 1, texts.Count, "texts"));
        }
        if (dropped > 0) MLSaeLog.Info($"sparse probing: {dropped} text(s) produced no tokens and were skipped.");
        return new PooledProbingData(Concat(raw, d), d, Concat(codes, m), m, [.. labels]);
    }

    /// <summary>Mean of <paramref name="rows"/> rows of width <paramref name="width"/>, accumulated in double.</summary>
    public static float[] MeanRows(ReadOnlySpan<float> data, int rows, int width)
    {
        var acc = new double[width];
        for (int r = 0; r < rows; r++)
        {
            var row = data.Slice(r * width, width);
            for (int j = 0; j < width; j++) acc[j] += row[j];
        }
        var mean = new float[width];
        for (int j = 0; j < width; j++) mean[j] = (float)(acc[j] / rows);
        return mean;
    }

    static float[] Concat(List<float[]> rows, int width)
    {
        var all = new float[(long)rows.Count * width];
        for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(all, (long)i * width);
        return all;
    }
}
