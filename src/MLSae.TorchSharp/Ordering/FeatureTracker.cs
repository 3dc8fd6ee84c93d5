using MLSae.Models;
using MLSae.Persistence;
using MLSae.Training;
using static TorchSharp.torch;

namespace MLSae.Ordering;

/// <summary>
/// Tracks per-feature firing statistics during training, on the training device: cumulative firing counts and
/// activation sums (float64), exponential moving averages of the per-step firing frequency and mean activation,
/// and a window of the last W per-step frequencies (for the adaptive strategy). Every
/// <see cref="ReorderOptions.HistoryInterval"/> steps it appends a snapshot of the EMA frequency (in original
/// feature order) to <see cref="RunFolder.FeatureHistory"/> in the run folder. It also keeps the
/// <see cref="PermutationLog"/>. Its state is saved in checkpoints.
/// </summary>
public sealed class FeatureTracker : ICheckpointedObserver, IDisposable
{
    const int StateVersion = 1;
    Tensor? _counts, _sums, _emaFreq, _emaAct, _window;
    int _slot, _filled;
    long _steps;
    byte[]? _pendingState;
    FileStream? _history;

    /// <summary>A tracker with <paramref name="options"/> (validated).</summary>
    public FeatureTracker(ReorderOptions? options = null)
    {
        options ??= new ReorderOptions();
        options.Validate();
        Options = options;
    }

    /// <summary>The options.</summary>
    public ReorderOptions Options { get; }

    /// <inheritdoc />
    public string StateName => "feature_tracker";

    /// <summary>m (0 before training starts).</summary>
    public int FeatureCount { get; private set; }

    /// <summary>Tokens counted so far.</summary>
    public long TotalTokens { get; private set; }

    /// <summary>Every reorder so far, and the current-to-original index mapping.</summary>
    public PermutationLog Log { get; private set; } = null!;

    /// <summary>Step of the latest reorder, if any.</summary>
    public long? LastReorderStep { get; private set; }

    /// <summary>True once W steps have filled the variance window.</summary>
    public bool WindowFull => _filled >= Options.VarianceWindow;

    /// <inheritdoc />
    public void OnTrainingStart(TrainingStartContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        int m = context.Module.FeatureCount;
        var device = context.Module.FeatureParameters().First().Parameter.device;
        DisposeTensors();
        FeatureCount = m;
        _counts = zeros(m, dtype: ScalarType.Float64, device: device).DetachFromDisposeScope();
        _sums = zeros(m, dtype: ScalarType.Float64, device: device).DetachFromDisposeScope();
        _emaFreq = zeros(m, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        _emaAct = zeros(m, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        _window = zeros(Options.VarianceWindow, m, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        _slot = _filled = 0;
        _steps = TotalTokens = 0;
        LastReorderStep = null;
        Log = new PermutationLog(m);
        if (_pendingState is { } state)
        {
            _pendingState = null;
            Restore(state);
        }
        _history?.Dispose();
        _history = null;
        if (context.RunDirectory is { } dir && Options.HistoryInterval > 0)
            _history = FeatureHistoryFile.OpenForAppend(Path.Combine(dir, RunFolder.FeatureHistory), m, context.FirstStep);
    }

    /// <inheritdoc />
    public void OnStepEnd(TrainingStepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_counts is null) throw new InvalidOperationException("FeatureTracker.OnTrainingStart was not called.");
        if (context.Tokens <= 0) return;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var fires = context.FireCounts.detach();
            var acts = context.ActivationSums.detach();
            _counts.add_(fires);
            _sums!.add_(acts);
            var freq = fires.to_type(ScalarType.Float32).mul(1.0 / context.Tokens);
            if (_steps == 0)
            {
                _emaFreq!.copy_(freq);
                _emaAct!.copy_(acts).mul_(1.0 / context.Tokens);
            }
            else
            {
                double a = 1 - Options.EmaDecay;
                _emaFreq!.mul_(Options.EmaDecay).add_(freq, alpha: a);
                _emaAct!.mul_(Options.EmaDecay).add_(acts, alpha: a / context.Tokens);
            }
            _window![_slot].copy_(freq);
        }
        _slot = (_slot + 1) % Options.VarianceWindow;
        if (_filled < Options.VarianceWindow) _filled++;
        _steps++;
        TotalTokens += context.Tokens;
        if (_history is not null && context.Step % Options.HistoryInterval == 0)
            WriteSnapshot(context.Step);
    }

    /// <summary>
    /// The adaptive strategy's measure: for each feature i, the population variance over the last W steps of its
    /// per-step firing frequency p_i,t = fires_i,t / tokens_t; then the mean over all m features. In frequency
    /// units squared (at most 0.25); NaN until the window is full.
    /// </summary>
    public double WindowVariance()
    {
        if (!WindowFull) return double.NaN;
        using var scope = NewDisposeScope();
        var w = _window!.to_type(ScalarType.Float64);
        var centered = w - w.mean([0L], keepdim: true);
        return centered.square().mean([0L]).mean().item<double>();
    }

    /// <summary>EMA of per-step firing frequency, current order.</summary>
    public float[] EmaFrequencies() => ToArray(_emaFreq);

    /// <summary>EMA of per-step mean activation, current order.</summary>
    public float[] EmaMeanActivations() => ToArray(_emaAct);

    /// <summary>Cumulative firing frequency (fires / tokens since the start), current order.</summary>
    public float[] Frequencies()
    {
        var c = ToDoubleArray(_counts);
        return Array.ConvertAll(c, v => TotalTokens > 0 ? (float)(v / TotalTokens) : 0f);
    }

    /// <summary>Cumulative firing counts, current order.</summary>
    public double[] FireCounts() => ToDoubleArray(_counts);

    /// <summary>
    /// Sort key values (current order) for <paramref name="key"/>: EMA frequency, EMA mean activation, or EMA mean
    /// activation x decoder-row norm (the module must implement <see cref="IFeatureDecoder"/>).
    /// </summary>
    public double[] SortKeys(FeatureOrderKey key, IFeaturePermutable module)
    {
        switch (key)
        {
            case FeatureOrderKey.Frequency: return Array.ConvertAll(EmaFrequencies(), v => (double)v);
            case FeatureOrderKey.MeanActivation: return Array.ConvertAll(EmaMeanActivations(), v => (double)v);
            case FeatureOrderKey.Importance:
                if (module is not IFeatureDecoder dec)
                    throw new NotSupportedException($"Sorting by importance needs the module ({module.GetType().Name}) to implement IFeatureDecoder; set ReorderOptions.By to Frequency.");
                using (var scope = NewDisposeScope())
                using (no_grad())
                {
                    var w = dec.DecoderWeights.detach();
                    long other = 1 - dec.DecoderFeatureDim;
                    var norms = w.to_type(ScalarType.Float64).square().sum([other]).sqrt();
                    var imp = (norms * _emaAct!.to_type(ScalarType.Float64)).cpu();
                    return imp.data<double>().ToArray();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(key), key, "Training sort keys are frequency, mean activation and importance.");
        }
    }

    /// <summary>Permutes every per-feature statistic by <paramref name="order"/> and logs the reorder.</summary>
    public void Permute(long step, int[] order, Tensor orderOnDevice, string reason)
    {
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (var t in new[] { _counts!, _sums!, _emaFreq!, _emaAct! })
                t.copy_(t.index_select(0, orderOnDevice));
            _window!.copy_(_window.index_select(1, orderOnDevice));
        }
        Log.Append(step, order, reason);
        LastReorderStep = step;
    }

    /// <summary><paramref name="info"/> with the permutation log, original indices and cumulative frequencies filled in.</summary>
    public SaeInfo ApplyTo(SaeInfo info) =>
        Log.ApplyTo(info) with { FeatureFrequencies = Frequencies(), TrainingTokens = Math.Max(info.TrainingTokens, TotalTokens) };

    void WriteSnapshot(long step)
    {
        var ema = EmaFrequencies();
        var original = new float[ema.Length];
        var map = Log.OriginalIndices;
        for (int j = 0; j < ema.Length; j++) original[map[j]] = ema[j];
        FeatureHistoryFile.Append(_history!, step, TotalTokens, (float)WindowVariance(), original);
    }

    /// <inheritdoc />
    public byte[] SaveState()
    {
        if (_counts is null) throw new InvalidOperationException("FeatureTracker has no state before training starts.");
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(StateVersion);
            w.Write(FeatureCount);
            w.Write(Options.VarianceWindow);
            w.Write(TotalTokens);
            w.Write(_steps);
            w.Write(_slot);
            w.Write(_filled);
            w.Write(LastReorderStep ?? -1);
            foreach (var v in ToDoubleArray(_counts)) w.Write(v);
            foreach (var v in ToDoubleArray(_sums)) w.Write(v);
            foreach (var v in EmaFrequencies()) w.Write(v);
            foreach (var v in EmaMeanActivations()) w.Write(v);
            foreach (var v in ToArray(_window)) w.Write(v);
            Log.Write(w);
        }
        return ms.ToArray();
    }

    /// <inheritdoc />
    public void LoadState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (_counts is null) _pendingState = state;
        else Restore(state);
    }

    void Restore(byte[] state)
    {
        using var r = new BinaryReader(new MemoryStream(state));
        int version = r.ReadInt32();
        if (version != StateVersion) throw new InvalidDataException($"Feature tracker state version {version} is not supported (expected {StateVersion}).");
        int m = r.ReadInt32(), window = r.ReadInt32();
        if (m != FeatureCount || window != Options.VarianceWindow)
            throw new InvalidDataException($"Checkpointed tracker state is for m={m}, window={window}; this run has m={FeatureCount}, window={Options.VarianceWindow}.");
        TotalTokens = r.ReadInt64();
        _steps = r.ReadInt64();
        _slot = r.ReadInt32();
        _filled = r.ReadInt32();
        long last = r.ReadInt64();
        LastReorderStep = last < 0 ? null : last;
        Load(_counts!, ReadDoubles(r, m));
        Load(_sums!, ReadDoubles(r, m));
        Load(_emaFreq!, ReadFloats(r, m));
        Load(_emaAct!, ReadFloats(r, m));
        Load(_window!, ReadFloats(r, window * m));
        Log = PermutationLog.Read(r);
    }

    static double[] ReadDoubles(BinaryReader r, int n) { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = r.ReadDouble(); return a; }
    static float[] ReadFloats(BinaryReader r, int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = r.ReadSingle(); return a; }

    static void Load(Tensor target, double[] values)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        target.copy_(tensor(values).reshape(target.shape));
    }

    static void Load(Tensor target, float[] values)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        target.copy_(tensor(values).reshape(target.shape));
    }

    static float[] ToArray(Tensor? t)
    {
        if (t is null) throw new InvalidOperationException("FeatureTracker has no state before training starts.");
        using var scope = NewDisposeScope();
        return t.detach().cpu().contiguous().data<float>().ToArray();
    }

    static double[] ToDoubleArray(Tensor? t)
    {
        if (t is null) throw new InvalidOperationException("FeatureTracker has no state before training starts.");
        using var scope = NewDisposeScope();
        return t.detach().cpu().contiguous().data<double>().ToArray();
    }

    void DisposeTensors()
    {
        _counts?.Dispose(); _sums?.Dispose(); _emaFreq?.Dispose(); _emaAct?.Dispose(); _window?.Dispose();
        _counts = _sums = _emaFreq = _emaAct = _window = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        DisposeTensors();
        _history?.Dispose();
        _history = null;
    }
}
