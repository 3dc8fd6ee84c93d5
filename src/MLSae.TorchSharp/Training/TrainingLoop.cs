using System.Diagnostics;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Persistence;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Training;

/// <summary>One training run: setup or resume, the step loop, metrics and checkpoints.</summary>
sealed class TrainingLoop : IDisposable
{
    readonly ITrainingBatchSource _batches;
    readonly SaeTrainingOptions _o;
    readonly IProgress<ProgressInfo>? _progress;
    readonly IReadOnlyList<ITrainingObserver> _observers;
    readonly string? _runDirectory, _checkpointPath;
    readonly CancellationToken _cancellation;
    readonly SaeModule _module;
    readonly Device _device;
    readonly Adam _optimizer;
    readonly MetricsLog _metrics;
    readonly float[] _host;
    readonly long _totalSteps;
    readonly TargetL0Controller? _l0Controller;
    long _step, _tokens;
    double _scale = 1, _normAverage = -1;
    SplitMix64 _rng;

    public TrainingLoop(ITrainingBatchSource batches, SaeTrainingOptions o, IProgress<ProgressInfo>? progress, IReadOnlyList<ITrainingObserver> observers,
        string? runDirectory, string? checkpointPath, bool resume, CancellationToken cancellation)
    {
        _batches = batches; _o = o; _progress = progress; _observers = observers;
        _runDirectory = runDirectory; _checkpointPath = checkpointPath; _cancellation = cancellation;
        _totalSteps = o.ResolveSteps();
        _l0Controller = TargetL0Controller.For(o);
        _rng = new SplitMix64((ulong)o.Seed * 0x2545F4914F6CDD1DUL + 1);
        int d = batches.Dimension;
        using var generator = new Generator((ulong)o.Seed);
        _module = SaeModuleFactory.Create(o, d, generator);
        _module.GenericSparseOps = o.GenericSparseOps;
        _device = _module.Device;
        _optimizer = SaeOptimizer.Create(_module, o);
        _host = new float[(long)o.TokensPerStep * d];
        _metrics = new MetricsLog(runDirectory is null ? null : Path.Combine(runDirectory, RunFolder.Metrics));
        if (resume) Restore();
        else Initialize();
    }

    void Initialize()
    {
        int d = _batches.Dimension;
        int n = Math.Max(1, _o.InitSampleRows);
        var sample = new float[(long)n * d];
        _batches.NextBatch(n, sample);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(sample).reshape(n, d);
        _scale = TrainingInitialization.Scale(x, _o.NormalizeActivations);
        var scaled = x * _scale;
        _module.b_dec.copy_(TrainingInitialization.DecoderBias(scaled, _o.DecoderBiasInit, _module.Architecture));
        if (_module is JumpReluSae jumpRelu && _o.JumpReluThresholdInit == JumpReluThresholdInit.TargetL0Quantile)
            jumpRelu.StartThresholdsAtTargetL0(scaled.narrow(0, 0, Math.Min(n, 4096)).to(_device), _o.TargetL0 ?? SaeTrainingDefaults.TargetL0);
    }

    void Restore()
    {
        var state = TrainingCheckpoint.Load(_checkpointPath!, _module, _optimizer);
        _step = state.Step; _tokens = state.Tokens; _scale = state.Scale; _normAverage = state.AdaptiveNormAverage;
        _rng.State = state.RngState;
        if (state.TargetL0Controller is { } controller) _l0Controller?.Load(controller);
        _batches.LoadState(Convert.FromBase64String(state.BatchSource));
        foreach (var obs in _observers.OfType<ICheckpointedObserver>())
            if (state.Observers.TryGetValue(obs.StateName, out var s)) obs.LoadState(Convert.FromBase64String(s));
        _metrics.LoadUpTo(_step);
        MLSaeLog.Info($"resuming from step {_step} ({_tokens:N0} tokens) in {_runDirectory}");
    }

    public TrainingResult Run()
    {
        var start = new TrainingStartContext(_module, _optimizer, _step + 1, _totalSteps, _runDirectory);
        foreach (var obs in _observers) obs.OnTrainingStart(start);
        var clock = Stopwatch.StartNew();
        long tokensAtLastLog = _tokens;
        while (_step < _totalSteps)
        {
            _cancellation.ThrowIfCancellationRequested();
            _step++;
            bool log = _step % _o.LogEvery == 0 || _step == _totalSteps;
            TrainingMetrics? row = TrainStep(log);
            if (row is not null)
            {
                double seconds = Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                row = row with { TokensPerSecond = (_tokens - tokensAtLastLog) / seconds };
                clock.Restart();
                tokensAtLastLog = _tokens;
                _metrics.Add(row);
                _progress?.Report(new ProgressInfo(_tokens, _totalSteps * _o.TokensPerStep, "tokens",
                    $"step {_step} loss {row.Loss:G4} L0 {row.L0:F1} EV {row.ExplainedVariance:F3}"));
            }
            if (_checkpointPath is not null && ((_o.CheckpointEvery > 0 && _step % _o.CheckpointEvery == 0) || _step == _totalSteps))
                SaveCheckpoint();
        }
        var info = new SaeInfo { TrainingTokens = _tokens, FeatureFrequencies = Frequencies() };
        return new TrainingResult
        {
            Weights = _module.ToWeights(_scale, info), Steps = _step, Tokens = _tokens, ActivationScale = _scale,
            Metrics = _metrics.Rows.ToArray(), RunDirectory = _runDirectory,
        };
    }

    float[] Frequencies()
    {
        using var scope = NewDisposeScope();
        return (_module.FireTotals.to(ScalarType.Float64) / Math.Max(1, _tokens)).to(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    TrainingMetrics? TrainStep(bool log)
    {
        using var scope = NewDisposeScope();
        int d = _batches.Dimension, b = _o.BatchSize, m = _module.FeatureCount;
        double lr = LearningRates.At(_o, _step, _totalSteps);
        SaeOptimizer.SetLearningRate(_optimizer, lr, _o);
        double baseSparsity = _module.Architecture == SaeArchitecture.JumpReLU
            ? _o.JumpReluSparsityCoefficient * Math.Pow(SaeModuleFactory.JumpReluUnit(_o, d), 2)
            : _o.L1Coefficient;
        // A target-L0 controller owns the coefficient (it ramps up by itself, so no sparsity warm-up on top).
        double sparsityCoef = _l0Controller?.Coefficient ?? baseSparsity * LearningRates.SparsityScale(_o, _step);
        var counts = zeros(m, device: _device);
        var sums = zeros(m, device: _device);
        double loss = 0;
        SaeForward? last = null;
        // All micro-batches of the step are read first: the adaptive L1 statistic belongs to the optimizer step.
        int micros = _o.GradientAccumulation;
        for (int micro = 0; micro < micros; micro++) _batches.NextBatch(b, _host.AsSpan(micro * b * d, b * d));
        // Scale and bias init stay on the CPU (as the module's random start), so a seed starts alike on every device.
        var xs = tensor(_host).reshape(micros, b, d).to(_device);
        if (_scale != 1) xs.mul_(_scale);
        if (_o.AdaptiveL1) sparsityCoef *= AdaptiveL1Ratio(xs);
        var context = new SaeLossContext(_step, sparsityCoef, _o.DeadFeatureTokens);
        Tensor x = null!;
        for (int micro = 0; micro < micros; micro++)
        {
            x = xs[micro];
            var fwd = _module.Forward(x, context);
            (micros == 1 ? fwd.Loss : fwd.Loss / micros).backward();
            var (c, s) = fwd.FeatureStatistics(m);
            counts.add_(c); sums.add_(s);
            loss += fwd.Loss.item<float>() / micros;
            last = fwd;
        }
        if (!double.IsFinite(loss))
            throw new TrainingDivergedException($"Loss became {loss} at step {_step}. Training stopped; {KeptCheckpoint()}. " +
                "If the activations hold no NaN or infinity, lower SaeTrainingOptions.LearningRate or enable gradient clipping.");
        _module.BeforeOptimizerStep();
        if (_o.GradientClipNorm > 0) nn.utils.clip_grad_norm_(_module.parameters(), _o.GradientClipNorm);
        _optimizer.step();
        _optimizer.zero_grad();
        _module.AfterOptimizerStep(context);
        long stepTokens = _o.TokensPerStep;
        _tokens += stepTokens;
        using (no_grad())
        {
            var fired = counts > 0;
            _module.TokensSinceFired.add_(stepTokens).masked_fill_(fired, 0);
            _module.FireTotals.add_(counts.to(ScalarType.Int64));
            _module.FireWindow.add_(counts);
        }
        _l0Controller?.Update(counts.to(ScalarType.Float64).sum().item<double>() / stepTokens, lr / _o.LearningRate);
        if (_o.ResampleEverySteps > 0 && _module.Architecture == SaeArchitecture.Standard && _step % _o.ResampleEverySteps == 0)
            DeadFeatureResampler.Resample(_module, _optimizer, x, _o.ResampleEverySteps * stepTokens, ref _rng);
        var ctx = new TrainingStepContext(_step, _module, _optimizer, counts, sums, stepTokens, loss, _runDirectory);
        foreach (var obs in _observers) obs.OnStepEnd(ctx);
        return log ? Metrics(last!, x, loss, counts, sums, lr, sparsityCoef) : null;
    }

    /// <summary>
    /// Adaptive L1 (the original Run 9): the step's mean token norm over its moving average, updated once per optimizer
    /// step whatever the gradient accumulation, so the coefficient is base x norm / average.
    /// </summary>
    double AdaptiveL1Ratio(Tensor xs)
    {
        double norm = xs.norm(-1).mean().item<float>();
        _normAverage = _normAverage < 0 ? norm : _o.AdaptiveL1Decay * _normAverage + (1 - _o.AdaptiveL1Decay) * norm;
        return norm / _normAverage;
    }

    TrainingMetrics Metrics(SaeForward fwd, Tensor x, double loss, Tensor counts, Tensor sums, double lr, double coef)
    {
        using var _ = no_grad();
        var err = (x - fwd.Reconstruction.detach()).square().sum().item<float>();
        var total = (x - x.mean([0])).square().sum().item<float>();
        double windowTokens = Math.Max(1, _step % _o.LogEvery == 0 ? _o.LogEvery * _o.TokensPerStep : (_step % _o.LogEvery) * _o.TokensPerStep);
        double dense = (_module.FireWindow / windowTokens > _o.DenseFrequency).to(ScalarType.Float32).mean().item<float>();
        _module.FireWindow.zero_();
        double tokens = _o.TokensPerStep;
        var row = new TrainingMetrics
        {
            Step = _step, Tokens = _tokens, Loss = loss,
            ReconstructionLoss = fwd.ReconstructionLoss.item<float>(),
            SparsityLoss = fwd.SparsityLoss?.item<float>() ?? 0,
            AuxiliaryLoss = fwd.AuxiliaryLoss?.item<float>() ?? 0,
            L0 = counts.sum().item<float>() / tokens, L1 = sums.sum().item<float>() / tokens,
            Mse = err / x.numel() / (_scale * _scale),
            ExplainedVariance = 1 - err / Math.Max(1e-30, total),
            DeadFraction = (_module.TokensSinceFired >= _o.DeadFeatureTokens).to(ScalarType.Float32).mean().item<float>(),
            DenseFraction = dense, LearningRate = lr, SparsityCoefficient = coef,
        };
        return row;
    }

    /// <summary>Names the checkpoint kept only when one exists (a run can diverge before its first checkpoint).</summary>
    string KeptCheckpoint() => _checkpointPath is not null && File.Exists(_checkpointPath)
        ? $"the last good checkpoint in '{_checkpointPath}' is kept" : "no checkpoint was written yet";

    void SaveCheckpoint()
    {
        using (var scope = NewDisposeScope())
            foreach (var p in _module.parameters())
                if (!isfinite(p).all().item<bool>())
                    throw new TrainingDivergedException($"Weights became NaN or infinite at step {_step}; training stopped; {KeptCheckpoint()}. Lower SaeTrainingOptions.LearningRate or enable gradient clipping.");
        var state = new TrainerState
        {
            Step = _step, Tokens = _tokens, TotalSteps = _totalSteps, Scale = _scale, AdaptiveNormAverage = _normAverage,
            TargetL0Controller = _l0Controller?.Save(),
            RngState = _rng.State, BatchSource = Convert.ToBase64String(_batches.SaveState()),
            Observers = _observers.OfType<ICheckpointedObserver>().ToDictionary(o => o.StateName, o => Convert.ToBase64String(o.SaveState())),
            Architecture = _module.Architecture.ToString(), InputDim = _module.InputDim, FeatureCount = _module.FeatureCount,
        };
        TrainingCheckpoint.Save(_checkpointPath!, _module, _optimizer, state);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _module.Dispose();
    }
}
