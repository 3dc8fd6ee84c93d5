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
    readonly long[] _types;

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
        // Token types are all 0 (one segment): one shared buffer serves every batch.
        _types = new long[_options.BatchSize * _options.ContextLength];
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

    /// <summary>
    /// Extracts <paramref name="documents"/>, handing each chunk to <paramref name="write"/> on the calling thread, in
    /// corpus order. Reading and tokenising run ahead on one background thread and the model on another (at most one
    /// window of <see cref="ExtractionOptions.SortWindow"/> batches ahead), so they overlap with the writes; within a
    /// window the contexts run sorted by length. The chunks are the ones a one-batch-at-a-time loop makes.
    /// </summary>
    public ExtractionSummary Extract(IEnumerable<TextDocument> documents, Action<ActivationChunk> write, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(write);
        var profile = Profile ?? ExtractionProfile.FromEnvironment();
        var summary = new ExtractionPipeline(this, profile).Run(documents, write, progress, cancellationToken);
        if (profile is not null && Profile is null) MLSaeLog.Info(profile.ToString());
        return summary;
    }

    /// <summary>Stage timings of the next runs when set (the benchmarks' timing mode); else <see cref="ExtractionProfile.EnvironmentVariable"/> decides.</summary>
    internal ExtractionProfile? Profile { get; set; }

    /// <summary>Starts a summary from the counts of a finished or stopped run.</summary>
    internal ExtractionSummary Summary(long documents, long contexts, long stored, long special, long padding, bool stopped, TimeSpan elapsed) =>
        new(_model.Name, Hook.Name, Hook.TensorName, Dimension, _options.ContextLength, documents, contexts, stored, special, padding, stopped, elapsed, Provider);

    /// <summary>The error for a run that stored nothing.</summary>
    internal static InvalidDataException NothingStored(long documents) => new(documents == 0
        ? "The corpus holds no documents. Check the corpus and the textField argument it was read with."
        : $"The corpus's {documents:N0} documents produced no tokens to store.");

    internal ContextPacker NewPacker() => new(_model.Tokenizer, _options.ContextLength, _model.IsEncoder);

    internal ExtractionBatch NewBatch() => new(_options.BatchSize, _options.ContextLength);

    /// <summary>A buffer for one batch's hook output, [BatchSize, ContextLength, d].</summary>
    internal float[] NewOutput() => GC.AllocateUninitializedArray<float>(_options.BatchSize * _options.ContextLength * Dimension);

    float[]? _spareOutput;

    /// <summary>The output buffer of an earlier extraction if no other holds it, else a new one (one text per call, as the ML.NET path extracts, would otherwise allocate it each time).</summary>
    internal float[] RentOutput() => Interlocked.Exchange(ref _spareOutput, null) ?? NewOutput();

    internal void ReturnOutput(float[] output) => _spareOutput = output;

    /// <summary>Runs <paramref name="batch"/> (already filled) into <paramref name="output"/>.</summary>
    internal void Forward(ExtractionBatch batch, float[] output) =>
        Forward(batch.Ids, batch.Mask, batch.Positions, output, batch.Contexts.Count, batch.Width);

    /// <summary>
    /// Gathers the rows to store (at most <paramref name="limit"/>) out of a batch's hook output and counts the
    /// special and padding positions skipped (all of the batch's, also past the limit).
    /// </summary>
    internal ActivationChunk Gather(ExtractionBatch batch, float[] output, long limit, ref long special, ref long padding)
    {
        int full = _options.ContextLength, d = Dimension, t = batch.Width;
        var contexts = batch.Contexts;
        int rows = 0;
        foreach (var c in contexts)
            for (int p = 0; p < full; p++)
                if (Stored(c.Kinds[p])) rows++;
        rows = (int)Math.Min(rows, limit);
        // Every element is written below; the sink may keep the arrays (they are never reused).
        var acts = GC.AllocateUninitializedArray<float>(rows * d);
        var tokenIds = new int[rows];
        var docs = new long[rows];
        var positions = new int[rows];
        int r = 0;
        for (int b = 0; b < contexts.Count; b++)
        {
            var c = contexts[b];
            for (int p = 0; p < full; p++)
            {
                var kind = c.Kinds[p];
                if (!Stored(kind))
                {
                    if (kind == SlotKind.Padding) padding++; else special++;
                    continue;
                }
                if (r == rows) continue;
                output.AsSpan((b * t + p) * d, d).CopyTo(acts.AsSpan(r * d, d));
                tokenIds[r] = c.TokenIds[p];
                docs[r] = c.DocumentIds[p];
                positions[r] = p;
                r++;
            }
        }
        return new ActivationChunk(acts, tokenIds, docs, positions, d);
    }

    bool Stored(SlotKind kind) => kind == SlotKind.Text || (kind == SlotKind.Special && _options.IncludeSpecialTokens);

    /// <summary>
    /// Runs the graph on the first <paramref name="batch"/> x <paramref name="tokens"/> entries of the input buffers;
    /// the hook lands in <paramref name="output"/> as [batch, tokens, d]. OrtValues wrap the managed arrays (pinned
    /// while they live), so nothing is copied in or out.
    /// </summary>
    void Forward(long[] ids, long[] mask, long[] positions, float[] output, int batch, int tokens)
    {
        int n = batch * tokens;
        var inputs = ModelInputs.Bind(_inputNames, batch, tokens, name => name switch
        {
            ModelInputs.InputIds => ids,
            ModelInputs.AttentionMask => mask,
            ModelInputs.TokenTypeIds => _types,
            _ => positions,
        });
        try
        {
            using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output.AsMemory(0, n * Dimension), [batch, tokens, Dimension]);
            using var ro = new RunOptions();
            _session.Run(ro, _inputNames, inputs, [Hook.TensorName], [value]);
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }

    // One tiny run learns d from the tensor itself (the graph may not declare it).
    int ProbeDimension()
    {
        var sp = _model.SpecialTokens;
        int probeId = sp.Cls ?? sp.Bos ?? 0;
        long[] ids = [probeId, sp.Sep ?? probeId], mask = [1, 1], positions = [0, 1];
        var inputs = ModelInputs.Bind(_inputNames, 1, 2, name => name switch
        {
            ModelInputs.InputIds => ids,
            ModelInputs.AttentionMask => mask,
            ModelInputs.TokenTypeIds => _types,
            _ => positions,
        });
        try
        {
            using var ro = new RunOptions();
            using var results = _session.Run(ro, _inputNames, inputs, [Hook.TensorName]);
            var shape = results[0].GetTensorTypeAndShape().Shape;
            if (shape.Length != 3 || shape[0] != 1 || shape[1] != 2)
                throw new InvalidDataException($"Hook '{Hook.Name}' (tensor '{Hook.TensorName}') has shape [{string.Join(", ", shape)}], not [batch, tokens, d]; pick a residual-stream hook.");
            return (int)shape[2];
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }

    /// <summary>Runs the graph on given ids (row-major [batch, tokens]) and returns the hook [batch, tokens, d]. For tests and the ML.NET path.</summary>
    internal float[] Forward(long[] ids, long[] mask, int batch, int tokens)
    {
        if (batch > _options.BatchSize || tokens > _options.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(batch), $"At most {_options.BatchSize} x {_options.ContextLength} per run.");
        // Inputs are packed densely as [batch, tokens]; positions restart per row.
        var positions = new long[batch * tokens];
        for (int i = 0; i < positions.Length; i++) positions[i] = i % tokens;
        var output = new float[batch * tokens * Dimension];
        Forward(ids, mask, positions, output, batch, tokens);
        return output;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
