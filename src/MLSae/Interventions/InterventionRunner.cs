using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLSae.Activations;
using MLSae.Models;
using MLSae.Onnx;

namespace MLSae.Interventions;

/// <summary>What <see cref="InterventionRunner"/> returns for one text: the model's output without and with the intervention.</summary>
/// <param name="Tokens">Positions run (special tokens included).</param>
/// <param name="Original">Encoder: the final hidden state mean-pooled over the positions; causal LM: the logits at the last position (next token).</param>
/// <param name="Intervened">The same output with the intervention at the hook.</param>
public sealed record InterventionOutput(int Tokens, float[] Original, float[] Intervened);

/// <summary>
/// Runs texts through a model with an <see cref="SaeIntervention"/> at a hook, in one ONNX Runtime session that computes
/// the unmodified output and the intervened one (<see cref="SaeGraphSplice.Branches"/>; the layers before the hook run
/// once). Each text is tokenised as `mlsae extract` does and truncated to one context. Special tokens (CLS/SEP/BOS)
/// are not edited, as SAEBench leaves them out of the reconstruction. Causal LMs need a <c>logits</c> output (resolve
/// <c>pythia:DIR</c> with <c>DownstreamModels.Resolve</c>); encoders compare their first output.
/// </summary>
public sealed class InterventionRunner : IDisposable
{
    /// <summary>Suffix of the intervened outputs in the session.</summary>
    public const string Suffix = ".intervened";
    const string MaskInput = "mlsae.intervention_mask";

    readonly TransformerModel _model;
    readonly InferenceSession _session;
    readonly string[] _inputNames, _outputNames;
    readonly int _contextLength;

    /// <summary>Splices <paramref name="intervention"/> of <paramref name="sae"/> into <paramref name="model"/> at <paramref name="hook"/>.</summary>
    public InterventionRunner(TransformerModel model, string hook, SaeWeights sae, SaeIntervention intervention, int contextLength = 128,
        OnnxExecutionOptions? execution = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        ArgumentNullException.ThrowIfNull(intervention);
        if (contextLength < 2 || contextLength > model.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(contextLength), $"Context length {contextLength} must be between 2 and {Math.Min(model.MaxPositions, int.MaxValue)} for {model.Name}.");
        _model = model;
        _contextLength = contextLength;
        var point = new HookResolver(model).Resolve(hook);
        var outputs = model.Graph.Graph.Output.Select(v => v.Name).ToList();
        IsCausalLm = outputs.Contains("logits");
        if (!IsCausalLm && !model.IsEncoder)
            throw new ArgumentException($"{model.Name} has no 'logits' output and is not an encoder; intervene compares next-token logits or sentence embeddings. For pythia:DIR resolve with DownstreamModels.Resolve.", nameof(model));
        OutputName = IsCausalLm ? "logits" : outputs[0];
        var pruned = OnnxGraphSurgery.ExposeAndPrune(model.Graph, [OutputName]);
        var spliced = SaeGraphSplice.Branches(pruned, point.TensorName, sae, [new SpliceBranch(Suffix, HookReplacement.Intervention, intervention)],
            new SaeSpliceOptions { ReconstructMaskInput = MaskInput });
        _session = OnnxSessionFactory.Create(spliced.ToByteArray(), execution ?? new OnnxExecutionOptions());
        _inputNames = [.. _session.InputMetadata.Keys];
        _outputNames = [OutputName, OutputName + Suffix];
        Hook = point;
    }

    /// <summary>The hook the intervention sits at.</summary>
    public HookPoint Hook { get; }
    /// <summary>True for next-token logits, false for pooled hidden states.</summary>
    public bool IsCausalLm { get; }
    /// <summary>The graph output compared.</summary>
    public string OutputName { get; }

    /// <summary>Runs <paramref name="text"/> (its first context); null when it yields no tokens.</summary>
    public InterventionOutput? Run(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var packer = new ContextPacker(_model.Tokenizer, _contextLength, _model.IsEncoder);
        var context = packer.Pack([new TextDocument(0, text, "intervene")]).FirstOrDefault();
        if (context is null || !context.Kinds.Take(context.Filled).Any(k => k == SlotKind.Text)) return null;
        int t = context.Filled;
        var ids = new long[t]; var ones = new long[t]; var zeros = new long[t]; var positions = new long[t]; var edit = new long[t];
        for (int p = 0; p < t; p++)
        {
            ids[p] = context.TokenIds[p]; ones[p] = 1; positions[p] = p;
            edit[p] = context.Kinds[p] == SlotKind.Text ? 1 : 0;
        }
        var inputs = ModelInputs.Bind(_inputNames, 1, t, name => name switch
        {
            ModelInputs.InputIds => ids,
            ModelInputs.AttentionMask => ones,
            ModelInputs.TokenTypeIds => zeros,
            MaskInput => edit,
            _ => positions,
        });
        try
        {
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, _inputNames, inputs, _outputNames);
            var original = results[0].GetTensorDataAsSpan<float>();
            var intervened = results[1].GetTensorDataAsSpan<float>();
            int width = original.Length / t;
            return IsCausalLm
                ? new InterventionOutput(t, original[((t - 1) * width)..].ToArray(), intervened[((t - 1) * width)..].ToArray())
                : new InterventionOutput(t, MeanRows(original, t, width), MeanRows(intervened, t, width));
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }

    static float[] MeanRows(ReadOnlySpan<float> data, int rows, int width)
    {
        var acc = new double[width];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < width; j++) acc[j] += data[r * width + j];
        return [.. acc.Select(v => (float)(v / rows))];
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
