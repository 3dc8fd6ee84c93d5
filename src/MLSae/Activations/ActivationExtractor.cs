using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLSae.Diagnostics;
using MLSae.Onnx;

namespace MLSae.Activations;

/// <summary>
/// Runs text through a transformer and returns one hook's activations, one row per stored token.
/// The ONNX graph is cut down to the nodes the hook needs (layer 3 of 6 costs about half a full
/// forward), runs in batches of fixed contexts on pre-allocated buffers, and streams
/// <see cref="ActivationChunk"/>s (one per batch) so memory does not grow with the corpus.
/// </summary>
public sealed class ActivationExtractor : IDisposable
{
    readonly TransformerModel _model;
    readonly ExtractionOptions _options;
    readonly InferenceSession _session;
    readonly string[] _inputNames;
    readonly long[] _ids, _mask, _types, _positions;
    float[] _output = [];

    /// <summary>Builds the session for <paramref name="hook"/> on <paramref name="model"/>.</summary>
    public ActivationExtractor(TransformerModel model, string hook, ExtractionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _options = (options ?? new ExtractionOptions()).Validated(model);
        Hook = new HookResolver(model).Resolve(hook);
        global::Onnx.ModelProto graph;
        if (_options.Prune) graph = OnnxGraphSurgery.ExposeAndPrune(model.Graph, [Hook.TensorName]);
        else graph = OnnxGraphSurgery.ExposeOutputs(model.Graph, [Hook.TensorName]);
        OriginalNodeCount = model.Graph.Graph.Node.Count;
        NodeCount = graph.Graph.Node.Count;
        (_session, Provider) = OnnxSessionFactory.Open(graph.ToByteArray(), _options.Execution);
        _inputNames = [.. _session.InputMetadata.Keys];
        int n = _options.BatchSize * _options.ContextLength;
        _ids = new long[n]; _mask = new long[n]; _types = new long[n]; _positions = new long[n];
        Dimension = ProbeDimension();
    }

    /// <summary>The hook and the tensor it reads.</summary>
    public HookPoint Hook { get; }
    /// <summary>d: floats per row.</summary>
    public int Dimension { get; }
    /// <summary>Nodes in the graph that runs.</summary>
    public int NodeCount { get; }
    /// <summary>Nodes in the full model.</summary>
    public int OriginalNodeCount { get; }
    /// <summary>"CPU" or "CUDA".</summary>
    public string Provider { get; }
    /// <summary>The options in force.</summary>
    public ExtractionOptions Options => _options;

    /// <summary>
    /// Extracts <paramref name="documents"/> into <paramref name="sink"/> and calls its Complete.
    /// Throws <see cref="InvalidDataException"/> when the corpus yields no token.
    /// </summary>
    public ExtractionSummary Run(IEnumerable<TextDocument> documents, IActivationSink sink, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var summary = Extract(documents, sink.Write, progress, cancellationToken);
        sink.Complete(summary);
        return summary;
    }

    /// <summary>Extracts <paramref name="documents"/>, handing each chunk to <paramref name="write"/>.</summary>
    public ExtractionSummary Extract(IEnumerable<TextDocument> documents, Action<ActivationChunk> write, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(write);
        var clock = Stopwatch.StartNew();
        var packer = new ContextPacker(_model.Tokenizer, _options.ContextLength, _model.IsEncoder);
        var batch = new List<PackedContext>(_options.BatchSize);
        long stored = 0, special = 0, padding = 0, contexts = 0;
        long max = _options.MaxTokens;
        bool stopped = false;
        foreach (var context in packer.Pack(documents))
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Add(context);
            if (batch.Count < _options.BatchSize) continue;
            stopped = Flush();
            if (stopped) break;
        }
        if (!stopped && batch.Count > 0) stopped = Flush();
        if (stored == 0)
            throw new InvalidDataException(packer.Documents == 0
                ? "The corpus holds no documents. Check the corpus and the textField argument it was read with."
                : $"The corpus's {packer.Documents:N0} documents produced no tokens to store.");
        progress?.Report(new ProgressInfo(stored, max, "tokens", $"{packer.Documents:N0} docs"));
        return new ExtractionSummary(_model.Name, Hook.Name, Hook.TensorName, Dimension, _options.ContextLength,
            packer.Documents, contexts, stored, special, padding, stopped, clock.Elapsed, Provider);

        bool Flush()
        {
            var chunk = RunBatch(batch, max == 0 ? long.MaxValue : max - stored, ref special, ref padding);
            contexts += batch.Count;
            batch.Clear();
            if (chunk.Rows > 0) write(chunk);
            stored += chunk.Rows;
            progress?.Report(new ProgressInfo(stored, max, "tokens", $"{packer.Documents:N0} docs"));
            return max > 0 && stored >= max;
        }
    }

    /// <summary>
    /// Runs one batch and gathers the rows to store (at most <paramref name="limit"/>). The batch is
    /// run only as wide as its longest context: trailing padding columns cost nothing (short
    /// documents in an encoder would otherwise pay for the full context).
    /// </summary>
    ActivationChunk RunBatch(List<PackedContext> batch, long limit, ref long special, ref long padding)
    {
        int full = _options.ContextLength, d = Dimension;
        int t = batch.Max(c => c.Filled);
        for (int b = 0; b < batch.Count; b++)
            for (int p = 0; p < t; p++)
            {
                int i = b * t + p;
                _ids[i] = batch[b].TokenIds[p];
                _mask[i] = batch[b].Kinds[p] == SlotKind.Padding ? 0 : 1;
                _positions[i] = p;
            }
        Forward(batch.Count, t);

        int rows = 0;
        foreach (var c in batch)
            for (int p = 0; p < full; p++)
                if (Stored(c.Kinds[p])) rows++;
        rows = (int)Math.Min(rows, limit);
        var acts = new float[rows * d];
        var tokenIds = new int[rows];
        var docs = new long[rows];
        var positions = new int[rows];
        int r = 0;
        for (int b = 0; b < batch.Count; b++)
            for (int p = 0; p < full; p++)
            {
                var kind = batch[b].Kinds[p];
                if (!Stored(kind))
                {
                    if (kind == SlotKind.Padding) padding++; else special++;
                    continue;
                }
                if (r == rows) continue;
                _output.AsSpan((b * t + p) * d, d).CopyTo(acts.AsSpan(r * d, d));
                tokenIds[r] = batch[b].TokenIds[p];
                docs[r] = batch[b].DocumentIds[p];
                positions[r] = p;
                r++;
            }
        return new ActivationChunk(acts, tokenIds, docs, positions, d);
    }

    bool Stored(SlotKind kind) => kind == SlotKind.Text || (kind == SlotKind.Special && _options.IncludeSpecialTokens);

    /// <summary>
    /// Runs the graph on the first <paramref name="batch"/> x <paramref name="tokens"/> ids and mask
    /// already in the input buffers; the hook lands in <c>_output</c> [batch, tokens, d].
    /// </summary>
    void Forward(int batch, int tokens)
    {
        int n = batch * tokens;
        var inputs = ModelInputs.Bind(_inputNames, batch, tokens, name => name switch
        {
            ModelInputs.InputIds => _ids,
            ModelInputs.AttentionMask => _mask,
            ModelInputs.TokenTypeIds => _types,
            _ => _positions,
        });
        OrtValue? output = null;
        try
        {
            if (Dimension > 0)
            {
                output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(0, n * Dimension), [batch, tokens, Dimension]);
                using var ro = new RunOptions();
                _session.Run(ro, _inputNames, inputs, [Hook.TensorName], [output]);
            }
            else
            {
                using var results = _session.Run(new RunOptions(), _inputNames, inputs, [Hook.TensorName]);
                var shapeOut = results[0].GetTensorTypeAndShape().Shape;
                if (shapeOut.Length != 3 || shapeOut[0] != batch || shapeOut[1] != tokens)
                    throw new InvalidDataException($"Hook '{Hook.Name}' (tensor '{Hook.TensorName}') has shape [{string.Join(", ", shapeOut)}], not [batch, tokens, d]; pick a residual-stream hook.");
                _output = new float[(long)_options.BatchSize * _options.ContextLength * shapeOut[2]];
                results[0].GetTensorDataAsSpan<float>().CopyTo(_output);
                _probeDimension = (int)shapeOut[2];
            }
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
            output?.Dispose();
        }
    }

    int _probeDimension;

    // One tiny run learns d from the tensor itself (the graph may not declare it).
    int ProbeDimension()
    {
        var sp = _model.SpecialTokens;
        int probeId = sp.Cls ?? sp.Bos ?? 0;
        _ids[0] = probeId; _ids[1] = sp.Sep ?? probeId;
        _mask[0] = 1; _mask[1] = 1;
        _positions[0] = 0; _positions[1] = 1;
        Forward(1, 2);
        return _probeDimension;
    }

    /// <summary>Runs the graph on given ids (row-major [batch, tokens]) and returns the hook [batch, tokens, d]. For tests and the ML.NET path.</summary>
    internal float[] Forward(long[] ids, long[] mask, int batch, int tokens)
    {
        if (batch > _options.BatchSize || tokens > _options.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(batch), $"At most {_options.BatchSize} x {_options.ContextLength} per run.");
        // Inputs are packed densely as [batch, tokens]; positions restart per row.
        ids.AsSpan(0, batch * tokens).CopyTo(_ids);
        mask.AsSpan(0, batch * tokens).CopyTo(_mask);
        for (int i = 0; i < batch * tokens; i++) _positions[i] = i % tokens;
        Forward(batch, tokens);
        return _output.AsSpan(0, batch * tokens * Dimension).ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
