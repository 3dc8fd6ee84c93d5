using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Onnx;

namespace MLSae.Evaluation.Preservation;

/// <summary>
/// Downstream preservation: runs texts through the model unchanged, with the SAE spliced in at the
/// hook, and with the hook zero-ablated, all three in one ONNX Runtime session
/// (<see cref="SaeGraphSplice.Branches"/>: the layers before the hook run once). Texts are tokenised
/// and packed into contexts exactly as `mlsae extract` does. Causal LMs give SAEBench's KL / CE
/// metrics (<see cref="PreservationMetrics"/>) over text-token positions; encoders give the
/// sentence-embedding measure (<see cref="EmbeddingPreservationMetrics"/>). Memory is bounded by
/// three [batch, tokens, width] output buffers, reused for every batch.
/// </summary>
public sealed class DownstreamPreservationEvaluator : IDisposable
{
    /// <summary>Suffix of the SAE branch's outputs.</summary>
    public const string SaeSuffix = ".sae";
    /// <summary>Suffix of the zero-ablation branch's outputs.</summary>
    public const string AblationSuffix = ".ablation";
    /// <summary>The graph input (int64 [batch, tokens]) that selects the positions the SAE replaces.</summary>
    public const string ReconstructMaskInput = "mlsae.reconstruct_mask";
    /// <summary>Encoder contexts are sorted by length within pools of this many batches.</summary>
    const int LengthSortPoolBatches = 8;

    readonly TransformerModel _model;
    readonly DownstreamPreservationOptions _options;
    readonly InferenceSession _session;
    readonly string[] _inputNames, _outputNames;
    readonly long[] _ids, _mask, _types, _positions, _saeMask;
    readonly float[][] _outputs = new float[3][];

    /// <summary>
    /// Splices <paramref name="sae"/> into <paramref name="model"/> at <paramref name="hook"/> (a hook
    /// name or tensor, resolved by <see cref="HookResolver"/>) and opens the session.
    /// </summary>
    public DownstreamPreservationEvaluator(TransformerModel model, string hook, SaeWeights sae, DownstreamPreservationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        _model = model;
        _options = (options ?? new DownstreamPreservationOptions()).Validated();
        if (_options.ContextLength > model.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(options), $"Context length {_options.ContextLength} exceeds what {model.Name} supports ({model.MaxPositions} positions).");
        Hook = new HookResolver(model).Resolve(hook);
        (Kind, OutputName) = ResolveOutput(model, _options);
        var pruned = OnnxGraphSurgery.ExposeAndPrune(model.Graph, [OutputName]);
        var spliced = SaeGraphSplice.Branches(pruned, Hook.TensorName, sae,
            [new SpliceBranch(SaeSuffix, HookReplacement.SaeReconstruction), new SpliceBranch(AblationSuffix, HookReplacement.Zeros)],
            new SaeSpliceOptions { ReconstructMaskInput = ReconstructMaskInput });
        try
        {
            (_session, Provider) = OnnxSessionFactory.Open(spliced.ToByteArray(), _options.Execution);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message} The model was spliced at '{Hook.Name}' (tensor '{Hook.TensorName}'); check that the SAE (d={sae.InputDim}) was trained on this hook of {model.Name}.", e);
        }
        _inputNames = [.. _session.InputMetadata.Keys];
        _outputNames = [OutputName, OutputName + SaeSuffix, OutputName + AblationSuffix];
        try
        {
            foreach (var input in _inputNames)
                if (input != ReconstructMaskInput && !ModelInputs.Known.Contains(input))
                    throw new InvalidDataException($"Model '{model.Name}' needs input '{input}', which MLSae cannot fill.");
            OutputWidth = ProbeWidth(sae);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        BatchSize = _options.BatchSize > 0 ? _options.BatchSize
            : (int)Math.Clamp(_options.MaxOutputFloats / (3L * _options.ContextLength * OutputWidth), 1, DownstreamPreservationDefaults.MaxAutoBatchSize);
        if ((long)BatchSize * _options.ContextLength * OutputWidth > Array.MaxLength)
        {
            _session.Dispose();
            throw new ArgumentOutOfRangeException(nameof(options), $"Batch size {BatchSize} x context {_options.ContextLength} x output width {OutputWidth} exceeds one array; use a smaller batch size (0 picks one).");
        }
        int n = BatchSize * _options.ContextLength;
        _ids = new long[n]; _mask = new long[n]; _types = new long[n]; _positions = new long[n]; _saeMask = new long[n];
        for (int k = 0; k < 3; k++) _outputs[k] = new float[(long)n * OutputWidth];
    }

    /// <summary>The hook and the tensor it resolved to.</summary>
    public HookPoint Hook { get; }
    /// <summary>Which measure is computed.</summary>
    public DownstreamModelKind Kind { get; }
    /// <summary>The graph output compared.</summary>
    public string OutputName { get; }
    /// <summary>Width of the compared output (vocabulary for logits, d for hidden states).</summary>
    public int OutputWidth { get; }
    /// <summary>Contexts per run.</summary>
    public int BatchSize { get; }
    /// <summary>"CPU" or "CUDA".</summary>
    public string Provider { get; }
    /// <summary>The options in force.</summary>
    public DownstreamPreservationOptions Options => _options;

    /// <summary>Evaluates on <paramref name="documents"/>, reporting progress in evaluated tokens.</summary>
    public DownstreamPreservationResult Evaluate(IEnumerable<TextDocument> documents, IProgress<ProgressInfo>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var clock = Stopwatch.StartNew();
        var packer = new ContextPacker(_model.Tokenizer, _options.ContextLength, _model.IsEncoder);
        var accumulator = Kind == DownstreamModelKind.CausalLm ? (IPreservationAccumulator)new LogitAccumulator(OutputWidth) : new EmbeddingAccumulator(OutputWidth);
        long limit = _options.MaxTokens == 0 ? long.MaxValue : _options.MaxTokens, contexts = 0;
        // Encoder contexts hold one document each and vary in length: runs are as wide as their longest
        // context, so a pool of several batches is sorted by length first (stable, deterministic). The pool
        // is closed when its text tokens reach the limit, so sorting does not change which contexts count.
        // Causal contexts are all full except the last: no pooling.
        int poolSize = _model.IsEncoder ? BatchSize * LengthSortPoolBatches : BatchSize;
        var pool = new List<PackedContext>(poolSize);
        var batch = new List<PackedContext>(BatchSize);
        long pooledText = 0;
        foreach (var context in packer.Pack(documents))
        {
            cancellationToken.ThrowIfCancellationRequested();
            pool.Add(context);
            for (int p = 0; p < context.Filled; p++) if (context.Kinds[p] == SlotKind.Text) pooledText++;
            if ((pool.Count == poolSize || accumulator.Tokens + pooledText >= limit) && ProcessPool()) break;
        }
        if (pool.Count > 0 && accumulator.Tokens < limit) ProcessPool();
        if (accumulator.Tokens == 0)
            throw new InvalidDataException(packer.Documents == 0
                ? "The texts for downstream preservation hold no documents. Check the texts and the textField argument they were read with."
                : $"The {packer.Documents:N0} texts for downstream preservation produced no text tokens.");
        return new DownstreamPreservationResult
        {
            Kind = Kind,
            LanguageModel = accumulator is LogitAccumulator l ? l.ToMetrics() : null,
            Embedding = accumulator is EmbeddingAccumulator e ? e.ToMetrics() : null,
            Tokens = accumulator.Tokens, Contexts = contexts,
            ModelName = _model.Name, HookName = Hook.Name, HookTensor = Hook.TensorName, OutputName = OutputName,
            Options = _options, Elapsed = clock.Elapsed, Provider = Provider,
        };

        bool ProcessPool()
        {
            var ordered = _model.IsEncoder ? pool.OrderBy(c => c.Filled).ToList() : pool;
            bool done = false;
            for (int i = 0; i < ordered.Count && !done; i += BatchSize)
            {
                batch.AddRange(ordered.Skip(i).Take(BatchSize));
                done = Flush();
            }
            pool.Clear();
            pooledText = 0;
            return done;
        }

        bool Flush()
        {
            int tokens = batch.Max(c => c.Filled);
            Forward(batch, tokens);
            accumulator.Add(batch, tokens, _outputs, limit);
            contexts += batch.Count;
            batch.Clear();
            progress?.Report(new ProgressInfo(accumulator.Tokens, _options.MaxTokens, "tokens", $"{contexts:N0} contexts"));
            return accumulator.Tokens >= limit;
        }
    }

    /// <summary>Fills the input buffers from <paramref name="batch"/> and runs the three branches into the output buffers.</summary>
    void Forward(List<PackedContext> batch, int tokens)
    {
        for (int b = 0; b < batch.Count; b++)
            for (int p = 0; p < tokens; p++)
            {
                int i = b * tokens + p;
                var kind = batch[b].Kinds[p];
                _ids[i] = batch[b].TokenIds[p];
                _mask[i] = kind == SlotKind.Padding ? 0 : 1;
                _saeMask[i] = kind == SlotKind.Text || (kind == SlotKind.Special && _options.ReconstructSpecialTokens) ? 1 : 0;
                _positions[i] = p;
            }
        Run(batch.Count, tokens, _outputs);
    }

    void Run(int batch, int tokens, float[][] outputs)
    {
        int n = batch * tokens;
        var inputs = ModelInputs.Bind(_inputNames, batch, tokens, name => name switch
        {
            ModelInputs.InputIds => _ids,
            ModelInputs.AttentionMask => _mask,
            ModelInputs.TokenTypeIds => _types,
            ReconstructMaskInput => _saeMask,
            _ => _positions,
        });
        var outs = new OrtValue[3];
        try
        {
            for (int k = 0; k < 3; k++)
                outs[k] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, outputs[k].AsMemory(0, n * OutputWidth), [batch, tokens, OutputWidth]);
            using var ro = new RunOptions();
            _session.Run(ro, _inputNames, inputs, _outputNames, outs);
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
            foreach (var v in outs) v?.Dispose();
        }
    }

    /// <summary>One tiny run (2 tokens) learns the output width; a failure here is usually an SAE of the wrong width.</summary>
    int ProbeWidth(SaeWeights sae)
    {
        var sp = _model.SpecialTokens;
        int first = sp.Cls ?? sp.Bos ?? 0;
        long[] ids = [first, sp.Sep ?? first], ones = [1, 1], zeros = [0, 0], positions = [0, 1];
        var feeds = new List<NamedOnnxValue>();
        foreach (var name in _inputNames)
        {
            var data = name switch
            {
                ModelInputs.InputIds => ids,
                ModelInputs.AttentionMask or ReconstructMaskInput => ones,
                ModelInputs.TokenTypeIds => zeros,
                _ => positions,
            };
            feeds.Add(NamedOnnxValue.CreateFromTensor(name, new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(data, [1, 2])));
        }
        try
        {
            using var results = _session.Run(feeds, _outputNames);   // all three: a wrong-width SAE fails here, not mid-run
            var shape = results[0].AsTensor<float>().Dimensions;
            if (shape.Length != 3)
                throw new InvalidDataException($"Output '{OutputName}' of {_model.Name} has rank {shape.Length}; downstream preservation compares a [batch, tokens, width] output.");
            return shape[2];
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"The model with the SAE spliced in at '{Hook.Name}' (tensor '{Hook.TensorName}') failed to run: {e.Message}. Check that the SAE (d={sae.InputDim}) was trained on this hook of {_model.Name}.", e);
        }
    }

    static (DownstreamModelKind Kind, string Output) ResolveOutput(TransformerModel model, DownstreamPreservationOptions o)
    {
        var outputs = model.Graph.Graph.Output.Select(v => v.Name).ToList();
        var kind = o.Kind;
        if (kind == DownstreamModelKind.Auto)
        {
            if ((o.OutputName ?? DownstreamPreservationDefaults.LogitsOutput) == DownstreamPreservationDefaults.LogitsOutput && outputs.Contains(DownstreamPreservationDefaults.LogitsOutput))
                kind = DownstreamModelKind.CausalLm;
            else if (model.IsEncoder)
                kind = DownstreamModelKind.Encoder;
            else
                throw new ArgumentException($"Cannot tell how to compare {model.Name}'s outputs ({string.Join(", ", outputs)}): it has no '{DownstreamPreservationDefaults.LogitsOutput}' output and is not an encoder. Set DownstreamPreservationOptions.Kind and OutputName.", nameof(o));
        }
        var output = o.OutputName ?? (kind == DownstreamModelKind.CausalLm ? DownstreamPreservationDefaults.LogitsOutput : outputs.FirstOrDefault());
        if (output is null || !outputs.Contains(output))
            throw new ArgumentException(kind == DownstreamModelKind.CausalLm && o.OutputName is null
                ? $"Model {model.Name} has no '{DownstreamPreservationDefaults.LogitsOutput}' output (outputs: {string.Join(", ", outputs)}); causal-LM preservation compares logits. For pythia:DIR models use DownstreamModels.Resolve, which builds the graph with logits."
                : $"Model {model.Name} has no output '{output}' (outputs: {string.Join(", ", outputs)}).", nameof(o));
        return (kind, output);
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
