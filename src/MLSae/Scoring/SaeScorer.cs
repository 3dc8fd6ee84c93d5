using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;

namespace MLSae.Scoring;

/// <summary>
/// Batched SAE encoding with ONNX Runtime (CUDA when available): thousands of rows per session
/// run through pre-allocated OrtValues, streamed to Parquet or CSV. This is the bulk path; ML.NET's
/// OnnxTransformer runs one row per session run.
/// </summary>
public sealed class SaeScorer : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _run = new();
    readonly float[] _input;
    readonly float[] _output;
    readonly OrtValue _inputValue;
    readonly OrtValue _outputValue;
    readonly string[] _inputNames = [SaeOnnxDefaults.InputName];
    readonly string[] _outputNames = [SaeOnnxDefaults.FeaturesName];
    MLNetBatchEncoder? _mlnet;

    /// <summary>Creates a scorer for <paramref name="weights"/>.</summary>
    public SaeScorer(SaeWeights weights, SaeScorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        options ??= new SaeScorerOptions();
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "SaeScorerOptions.BatchSize must be positive.");
        if (options.KeepFeatures < 0 || options.KeepFeatures > weights.FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(options), options.KeepFeatures, $"SaeScorerOptions.KeepFeatures must be 0 (every feature) or between 1 and the SAE's m = {weights.FeatureCount} (got {options.KeepFeatures}).");
        if (options.KeepFeatures > 0) weights = Ordering.SaeFeatureAlignment.KeepPrefix(weights, options.KeepFeatures);
        if (options.TopK < 0 || options.TopK > weights.FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(options), options.TopK, $"SaeScorerOptions.TopK must be 0 (sparse) or between 1 and m = {weights.FeatureCount}.");
        Weights = weights;
        Options = options;
        var onnx = SaeOnnx.Export(weights, new SaeOnnxOptions { Kind = SaeGraphKind.Encode, Batched = true });
        (_session, Provider) = OnnxSessionFactory.Open(onnx, options.Execution);
        int b = options.BatchSize, d = weights.InputDim, m = weights.FeatureCount;
        _input = new float[(long)b * d];
        _output = new float[(long)b * m];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [b, d]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_output, [b, m]);
    }

    /// <summary>Opens the SAE saved at <paramref name="saePath"/> (anything <see cref="SaeLoader.Load"/> reads: model zip, .onnx, run, SAELens or sparsify folder).</summary>
    public static SaeScorer Open(string saePath, SaeScorerOptions? options = null)
    {
        options ??= new SaeScorerOptions();
        if (options.Engine != ScoringEngine.MLNet) return new(SaeLoader.Load(saePath), options);
        if (options.KeepFeatures > 0)
            throw new ArgumentException("SaeScorerOptions.KeepFeatures needs the ONNX Runtime engine: the ML.NET engine runs the saved model zip as it is.", nameof(options));
        if (!File.Exists(saePath) || Directory.Exists(saePath))
            throw new ArgumentException($"The ML.NET engine scores ML.NET model zips; '{saePath}' is not a file. Use the ONNX Runtime engine for .onnx files and SAELens folders.", nameof(saePath));
        var sae = Transforms.SaeModelFile.Read(saePath);
        var scorer = new SaeScorer(sae.Weights ?? throw new InvalidDataException($"'{saePath}' holds an SAE graph without encoder and decoder."), options);
        scorer._mlnet = new MLNetBatchEncoder(saePath, sae);
        return scorer;
    }

    /// <summary>The SAE.</summary>
    public SaeWeights Weights { get; }
    /// <summary>Batch size, output shape and device.</summary>
    public SaeScorerOptions Options { get; }
    /// <summary>"CUDA" or "CPU".</summary>
    public string Provider { get; }

    /// <summary>
    /// Encodes <paramref name="count"/> rows (row-major, d floats each) into <paramref name="features"/>
    /// (count x m). Any count works; rows are run in batches of <see cref="SaeScorerOptions.BatchSize"/>.
    /// </summary>
    public void Encode(ReadOnlySpan<float> rows, int count, Span<float> features)
    {
        int d = Weights.InputDim, m = Weights.FeatureCount, b = Options.BatchSize;
        if (rows.Length < (long)count * d) throw new ArgumentException($"rows holds {rows.Length} floats; {count} rows of d = {d} need {(long)count * d}.", nameof(rows));
        if (features.Length < (long)count * m) throw new ArgumentException($"features holds {features.Length} floats; {count} rows of m = {m} need {(long)count * m}.", nameof(features));
        for (int start = 0; start < count; start += b)
        {
            int n = Math.Min(b, count - start);
            rows.Slice(start * d, n * d).CopyTo(_input);
            RunBatch(n);
            _output.AsSpan(0, n * m).CopyTo(features.Slice(start * m, n * m));
        }
    }

    /// <summary>
    /// Scores every row of <paramref name="source"/> and streams the result to <paramref name="outputPath"/>
    /// (written atomically). Refuses an existing file unless <see cref="SaeScorerOptions.Overwrite"/>.
    /// </summary>
    public ScoreSummary Score(IActivationSource source, string outputPath, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        int d = Weights.InputDim, m = Weights.FeatureCount, b = Options.BatchSize, k = Options.TopK;
        if (source.Dimension != d)
            throw new ArgumentException($"The activations have d = {source.Dimension} but the SAE reads d = {d}. Use activations from the SAE's model and hook ({Weights.Info.ModelName ?? "unknown model"}, {Weights.Info.HookName ?? "unknown hook"}).", nameof(source));
        if (File.Exists(outputPath) && !Options.Overwrite)
            throw new IOException($"Output file '{outputPath}' already exists. Choose another path or set SaeScorerOptions.Overwrite to replace it.");
        if (Directory.Exists(outputPath))
            throw new IOException($"Output path '{outputPath}' is a directory; pass a file path.");

        var format = Options.Format == ScoreOutputFormat.Auto
            ? (outputPath.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? ScoreOutputFormat.Parquet : ScoreOutputFormat.Csv)
            : Options.Format;
        var summary = new ScoreSummary(m) { Provider = Provider };
        var entries = new ScoreEntries(k > 0 ? b * k : b * 64);
        var topValues = new float[Math.Max(k, 1)];
        var topFeatures = new int[Math.Max(k, 1)];
        long total = source.RowCount;
        var sw = Stopwatch.StartNew();
        progress?.Report(new ProgressInfo(0, total, "rows"));

        AtomicFile.Write(outputPath, stream =>
        {
            using IScoreWriter writer = format == ScoreOutputFormat.Parquet ? new ParquetScoreWriter(stream, k > 0) : new CsvScoreWriter(stream, k > 0);
            for (long first = 0; first < total; first += b)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = (int)Math.Min(b, total - first);
                source.ReadRows(first, n, _input.AsSpan(0, n * d));
                RunBatch(n);
                var f = _output.AsSpan(0, n * m);
                summary.Add(f, n, m);
                entries.Count = 0;
                for (int r = 0; r < n; r++)
                {
                    var row = f.Slice(r * m, m);
                    if (k == 0)
                    {
                        for (int i = 0; i < m; i++)
                            if (row[i] != 0) entries.Add(first + r, 0, i, row[i]);
                    }
                    else
                    {
                        TopK(row, topValues, topFeatures);
                        for (int j = 0; j < k; j++) entries.Add(first + r, j, topFeatures[j], topValues[j]);
                    }
                }
                writer.Write(entries);
                summary.EntriesWritten += entries.Count;
                progress?.Report(new ProgressInfo(first + n, total, "rows", $"L0 {summary.MeanL0:F1}"));
            }
        });
        summary.Elapsed = sw.Elapsed;
        return summary;
    }

    void RunBatch(int n)
    {
        if (_mlnet is not null)
        {
            _mlnet.Encode(_input, n, _output);
            return;
        }
        int b = Options.BatchSize, d = Weights.InputDim, m = Weights.FeatureCount;
        if (n == b)
        {
            _session.Run(_run, _inputNames, [_inputValue], _outputNames, [_outputValue]);
            return;
        }
        // The last, partial batch: views over the same buffers with a smaller batch dimension.
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, n * d), [n, d]);
        using var output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(0, n * m), [n, m]);
        _session.Run(_run, _inputNames, [input], _outputNames, [output]);
    }

    /// <summary>The k largest values of <paramref name="row"/>, largest first; ties keep the lower index first.</summary>
    internal static void TopK(ReadOnlySpan<float> row, Span<float> values, Span<int> features)
    {
        int k = values.Length, filled = 0;
        for (int i = 0; i < row.Length; i++)
        {
            float v = row[i];
            if (filled == k && v <= values[k - 1]) continue;
            int pos = filled < k ? filled++ : k - 1;
            while (pos > 0 && values[pos - 1] < v)
            {
                values[pos] = values[pos - 1];
                features[pos] = features[pos - 1];
                pos--;
            }
            values[pos] = v;
            features[pos] = i;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _mlnet?.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
