using System.Text.RegularExpressions;
using Onnx;

namespace MLSae.Activations;

/// <summary>
/// Maps hook names to ONNX tensors. Order: (1) a tensor named exactly like the hook (graphs MLSae
/// builds, e.g. Pythia, name them so); (2) the model family's rules on Hugging Face export names;
/// (3) the name as a raw tensor name. Rules (verified on all-MiniLM-L6-v2's graph for BERT):
/// <list type="bullet">
/// <item>BERT (post-LN): resid_post L = output of the node consuming <c>encoder.layer.L.output.LayerNorm.bias</c>;
/// resid_mid L = same for <c>attention.output.LayerNorm.bias</c>; resid_pre 0 = same for
/// <c>embeddings.LayerNorm.bias</c>, resid_pre L = resid_post L-1; attn_out / mlp_out = output of
/// the node adding <c>attention.output.dense.bias</c> / <c>output.dense.bias</c>.</item>
/// <item>GPT-2 and GPT-NeoX (pre-LN): resid_pre L = the input of block L's first LayerNorm
/// (<c>transformer.h.L.ln_1</c> / <c>gpt_neox.layers.L.input_layernorm</c>), resid_post L =
/// resid_pre L+1 or the final LayerNorm's input; GPT-2 resid_mid = ln_2's input; attn_out / mlp_out
/// = output of the node adding the output-projection bias (<c>attn.c_proj</c> / <c>mlp.c_proj</c>,
/// <c>attention.dense</c> / <c>mlp.dense_4h_to_h</c>).</item>
/// </list>
/// </summary>
public sealed partial class HookResolver
{
    readonly GraphProto _g;
    readonly ArchitectureFamily _family;
    readonly Dictionary<string, NodeProto> _producer = new(StringComparer.Ordinal);
    readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
    readonly HashSet<string> _initializers;

    /// <summary>Indexes <paramref name="model"/>'s graph.</summary>
    public HookResolver(TransformerModel model) : this(model.Graph, model.Family) { }

    /// <summary>Indexes <paramref name="model"/> with <paramref name="family"/>'s rules.</summary>
    public HookResolver(ModelProto model, ArchitectureFamily family)
    {
        ArgumentNullException.ThrowIfNull(model);
        _g = model.Graph;
        _family = family;
        _initializers = _g.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var n in _g.Node)
        {
            foreach (var o in n.Output) if (o.Length > 0) _producer[o] = n;
            foreach (var i in n.Input)
            {
                if (!_consumers.TryGetValue(i, out var list)) _consumers[i] = list = [];
                list.Add(n);
            }
        }
        LayerCount = CountLayers();
    }

    /// <summary>Number of transformer blocks found (0 when neither names nor rules reveal them).</summary>
    public int LayerCount { get; }

    /// <summary>Every hook that resolves, block by block.</summary>
    public IReadOnlyList<HookPoint> ListHooks()
    {
        var hooks = new List<HookPoint>();
        for (int l = 0; l < LayerCount; l++)
            foreach (var kind in HookNames.Kinds)
                if (TryResolve(HookNames.Format(l, kind), out var h, allowRaw: false)) hooks.Add(h);
        return hooks;
    }

    /// <summary>Resolves <paramref name="hook"/>; throws listing the valid hooks when it does not resolve.</summary>
    public HookPoint Resolve(string hook)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hook);
        if (TryResolve(hook, out var h, allowRaw: true)) return h;
        var valid = ListHooks().Select(x => x.Name).ToList();
        throw new ArgumentException(
            $"Hook '{hook}' does not resolve on this model ({_family} rules). Valid hooks: {(valid.Count == 0 ? "none found" : string.Join(", ", valid))}; "
            + "or pass the exact name of a tensor in the graph (HookResolver.ListHooks lists hooks with shapes).", nameof(hook));
    }

    /// <summary>Tries the three resolution steps.</summary>
    public bool TryResolve(string hook, out HookPoint point, bool allowRaw = true)
    {
        point = default;
        if (IsTensor(hook)) { point = new(hook, hook, HookNames.TryParse(hook, out _, out _) ? "exact" : "tensor"); return allowRaw || point.Rule == "exact"; }
        if (!HookNames.TryParse(hook, out int layer, out var kind) || layer >= Math.Max(LayerCount, 1)) return false;
        var tensor = _family switch
        {
            ArchitectureFamily.Bert => Bert(layer, kind),
            ArchitectureFamily.Gpt2 => PreLn(layer, kind, "transformer.h.{0}.ln_1.weight", "transformer.h.{0}.ln_2.weight", "transformer.ln_f.weight",
                                             "transformer.h.{0}.attn.c_proj.bias", "transformer.h.{0}.mlp.c_proj.bias"),
            ArchitectureFamily.GptNeoX => PreLn(layer, kind, "gpt_neox.layers.{0}.input_layernorm.weight", null, "gpt_neox.final_layer_norm.weight",
                                                "gpt_neox.layers.{0}.attention.dense.bias", "gpt_neox.layers.{0}.mlp.dense_4h_to_h.bias"),
            _ => null,
        };
        if (tensor is null) return false;
        point = new(hook, tensor, _family switch { ArchitectureFamily.Bert => "bert", ArchitectureFamily.Gpt2 => "gpt2", _ => "gpt-neox" });
        return true;
    }

    bool IsTensor(string name) => _producer.ContainsKey(name);

    string? Bert(int l, string kind) => kind switch
    {
        HookNames.ResidPost => OutputOfConsumer($"encoder.layer.{l}.output.LayerNorm.bias"),
        HookNames.ResidMid => OutputOfConsumer($"encoder.layer.{l}.attention.output.LayerNorm.bias"),
        HookNames.ResidPre => l == 0 ? OutputOfConsumer("embeddings.LayerNorm.bias") : Bert(l - 1, HookNames.ResidPost),
        HookNames.AttnOut => OutputOfConsumer($"encoder.layer.{l}.attention.output.dense.bias"),
        HookNames.MlpOut => OutputOfConsumer($"encoder.layer.{l}.output.dense.bias"),
        _ => null,
    };

    string? PreLn(int l, string kind, string ln1, string? ln2, string lnFinal, string attnBias, string mlpBias) => kind switch
    {
        HookNames.ResidPre => LayerNormInput(string.Format(ln1, l)),
        HookNames.ResidPost => l + 1 < LayerCount ? LayerNormInput(string.Format(ln1, l + 1)) : LayerNormInput(lnFinal),
        HookNames.ResidMid => ln2 is null ? null : LayerNormInput(string.Format(ln2, l)),
        HookNames.AttnOut => OutputOfConsumer(string.Format(attnBias, l)),
        HookNames.MlpOut => OutputOfConsumer(string.Format(mlpBias, l)),
        _ => null,
    };

    // Initializer names may carry a prefix ("bert.encoder..."): match on the suffix.
    string? Initializer(string suffix) =>
        _initializers.Contains(suffix) ? suffix : _initializers.FirstOrDefault(n => n.EndsWith("." + suffix, StringComparison.Ordinal));

    string? OutputOfConsumer(string initializerSuffix) =>
        Initializer(initializerSuffix) is { } init && _consumers.TryGetValue(init, out var c) && c.Count == 1 ? c[0].Output[0] : null;

    // A LayerNorm's input: input 0 of a fused LayerNormalization, or x in the decomposed form
    // Sub(x, ReduceMean(x)) found walking back from the node that multiplies by the weight.
    string? LayerNormInput(string weightSuffix)
    {
        if (Initializer(weightSuffix) is not { } w || !_consumers.TryGetValue(w, out var c) || c.Count != 1) return null;
        var start = c[0];
        if (start.OpType == "LayerNormalization") return start.Input[0];
        var queue = new Queue<(NodeProto Node, int Depth)>([(start, 0)]);
        var seen = new HashSet<NodeProto>();
        while (queue.Count > 0)
        {
            var (n, depth) = queue.Dequeue();
            if (!seen.Add(n) || depth > 8) continue;
            if (n.OpType == "Sub" && n.Input.Count == 2 && _producer.TryGetValue(n.Input[1], out var mean)
                && mean.OpType == "ReduceMean" && mean.Input[0] == n.Input[0])
                return n.Input[0];
            foreach (var i in n.Input)
                if (_producer.TryGetValue(i, out var p)) queue.Enqueue((p, depth + 1));
        }
        return null;
    }

    int CountLayers()
    {
        int max = -1;
        var pattern = _family switch
        {
            ArchitectureFamily.Bert => BertLayer(),
            ArchitectureFamily.Gpt2 => Gpt2Layer(),
            ArchitectureFamily.GptNeoX => NeoXLayer(),
            _ => null,
        };
        if (pattern is not null)
            foreach (var n in _initializers)
                if (pattern.Match(n) is { Success: true } m) max = Math.Max(max, int.Parse(m.Groups[1].Value));
        foreach (var t in _producer.Keys)
            if (ExactHook().Match(t) is { Success: true } m) max = Math.Max(max, int.Parse(m.Groups[1].Value));
        return max + 1;
    }

    [GeneratedRegex(@"(?:^|\.)encoder\.layer\.(\d+)\.")] private static partial Regex BertLayer();
    [GeneratedRegex(@"(?:^|\.)h\.(\d+)\.")] private static partial Regex Gpt2Layer();
    [GeneratedRegex(@"^gpt_neox\.layers\.(\d+)\.")] private static partial Regex NeoXLayer();
    [GeneratedRegex(@"^blocks\.(\d+)\.hook_\w+$")] private static partial Regex ExactHook();
}
