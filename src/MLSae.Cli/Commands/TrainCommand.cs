using System.CommandLine;
using MLSae.Activations.Cache;
using MLSae.Cli.Rendering;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Runs;
using MLSae.Runtime;
using MLSae.Training;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae train`: trains an SAE on an activation cache, with optional feature reordering.</summary>
static class TrainCommand
{
    public static Command Create()
    {
        var activations = new Option<string>("--activations") { Description = "Folder of the activation cache to train on (mlsae extract --out).", Required = true };
        var arch = new Option<string?>("--arch") { Description = "standard | jumprelu | topk | batchtopk | matryoshka | ordered (default topk, k 32)." };
        var expansion = new Option<int?>("--expansion") { Description = "m = expansion x d (default 8)." };
        var dSae = new Option<int?>("--d-sae") { Description = "Number of features m (overrides --expansion)." };
        var l1 = new Option<double?>("--l1") { Description = "L1 coefficient (standard, default 0.04; with --target-l0, where the adaptation starts)." };
        var k = new Option<int?>("--k") { Description = "Active features per token (topk family, default 64)." };
        var targetL0 = new Option<double?>("--target-l0") { Description = "Target L0 (features per token). standard: the L1 coefficient adapts so L0 settles here (starting from --l1); jumprelu: its L0-loss target (default 20); not for the topk family (use --k)." };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (default 3e-4)." };
        var steps = new Option<long?>("--steps") { Description = "Optimizer steps." };
        var tokens = new Option<long?>("--tokens") { Description = "Training tokens (overrides --steps)." };
        var batch = new Option<int?>("--batch-size") { Description = "Tokens per micro-batch (default 1024)." };
        var accum = new Option<int?>("--grad-accum") { Description = "Micro-batches per step (default 1)." };
        var schedule = new Option<string?>("--lr-schedule") { Description = "constant | cosine | linear." };
        var warmup = new Option<long?>("--warmup-steps") { Description = "Learning-rate warm-up steps (default 100)." };
        var seed = new Option<int?>("--seed") { Description = "Seed (default 42)." };
        var precision = new Option<string?>("--precision") { Description = "fp32 | bf16: number format of the matrix products (bf16 keeps float32 weights, optimizer state and checkpoints; default fp32)." };
        var device = new Option<string?>("--device") { Description = "cpu | cuda | cuda:N: where training runs (default cpu; CUDA needs the CUDA build, docs/gpu.md). May change on --resume." };
        var reorder = new Option<string?>("--reorder") { Description = "Feature reordering during training: none | once | periodic | adaptive | hybrid." };
        var reorderBy = new Option<string?>("--reorder-by") { Description = "Sort key: frequency | mean-activation | importance." };
        var reorderWarmup = new Option<long?>("--reorder-warmup") { Description = "Steps before the first reorder (default 1000)." };
        var reorderInterval = new Option<long?>("--reorder-interval") { Description = "Steps between periodic reorders (default 500)." };
        var reorderVariance = new Option<double?>("--reorder-variance") { Description = "Adaptive threshold on the frequency variance over the window (default 0.1)." };
        var reorderWindow = new Option<int?>("--reorder-window") { Description = "Steps in the adaptive variance window (default 10)." };
        var reorderState = new Option<string?>("--reorder-state") { Description = "exact (permute Adam moments too) | naive (leave optimizer state unpermuted)." };
        var historyInterval = new Option<long?>("--history-interval") { Description = "Steps between feature-frequency snapshots (default 100)." };
        var config = new Option<string?>("--config") { Description = "JSON file of training options (plus an optional \"Ordering\" object); command-line options override it." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --out, with the options in its run.json (options given again must match)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a run --out already holds (its files are deleted first)." };
        var output = new Option<string>("--out") { Description = "Run folder (run.json, config.json, metrics.csv, checkpoint, feature history, sae.onnx).", Required = true };
        var command = new Command("train", "Train a sparse autoencoder on cached activations.")
        {
            activations, arch, expansion, dSae, l1, k, targetL0, lr, steps, tokens, batch, accum, schedule, warmup, seed, precision, device,
            reorder, reorderBy, reorderWarmup, reorderInterval, reorderVariance, reorderWindow, reorderState, historyInterval,
            config, resume, overwrite, output,
        };
        command.SetAction(parse => CliErrors.Guard("train", () => Run(parse)));
        return command;

        int Run(ParseResult parse)
        {
            var runDir = parse.GetValue(output)!;
            // On --resume the run's own run.json is the base; options given again must match it (TrainRunFolder refuses a resume that changes them).
            var run = TrainRunConfig.Base(parse.GetValue(config), runDir, parse.GetValue(resume));
            var o = run.Training with
            {
                Architecture = CliEnums.Parse(parse.GetValue(arch), "--arch", run.Training.Architecture),
                Expansion = parse.GetValue(expansion) ?? run.Training.Expansion,
                FeatureCount = parse.GetValue(dSae) ?? run.Training.FeatureCount,
                L1Coefficient = parse.GetValue(l1) ?? run.Training.L1Coefficient,
                K = parse.GetValue(k) ?? run.Training.K,
                TargetL0 = parse.GetValue(targetL0) ?? run.Training.TargetL0,
                LearningRate = parse.GetValue(lr) ?? run.Training.LearningRate,
                Steps = parse.GetValue(steps) ?? run.Training.Steps,
                Tokens = parse.GetValue(tokens) ?? run.Training.Tokens,
                BatchSize = parse.GetValue(batch) ?? run.Training.BatchSize,
                GradientAccumulation = parse.GetValue(accum) ?? run.Training.GradientAccumulation,
                LearningRateSchedule = CliEnums.Parse(parse.GetValue(schedule), "--lr-schedule", run.Training.LearningRateSchedule),
                WarmupSteps = parse.GetValue(warmup) ?? run.Training.WarmupSteps,
                Seed = parse.GetValue(seed) ?? run.Training.Seed,
                Precision = CliEnums.Parse(parse.GetValue(precision), "--precision", run.Training.Precision),
                Device = parse.GetValue(device) ?? run.Training.Device,
            };
            CheckOptionFitsArchitecture(parse, o.Architecture, l1, k);
            TrainingDevice.Resolve(o.Device);   // a missing GPU fails before the cache is opened
            var r = run.Ordering with
            {
                Strategy = CliEnums.Parse(parse.GetValue(reorder), "--reorder", run.Ordering.Strategy),
                By = CliEnums.Parse(parse.GetValue(reorderBy), "--reorder-by", run.Ordering.By),
                Warmup = parse.GetValue(reorderWarmup) ?? run.Ordering.Warmup,
                Interval = parse.GetValue(reorderInterval) ?? run.Ordering.Interval,
                VarianceThreshold = parse.GetValue(reorderVariance) ?? run.Ordering.VarianceThreshold,
                VarianceWindow = parse.GetValue(reorderWindow) ?? run.Ordering.VarianceWindow,
                StateMode = CliEnums.Parse(parse.GetValue(reorderState), "--reorder-state", run.Ordering.StateMode),
                HistoryInterval = parse.GetValue(historyInterval) ?? run.Ordering.HistoryInterval,
            };
            using var cache = ActivationCache.Open(parse.GetValue(activations)!);
            var provenance = new SaeInfo { ModelName = cache.Manifest.Model, HookName = cache.Manifest.Hook };
            // TrainRun validates every option against the cache's d, then locks --out, before it writes anything there.
            var result = ProgressDisplay.Run($"train {o.Architecture}", progress =>
                TrainRun.Execute(cache, new TrainRunConfig(o, r), runDir, provenance, parse.GetValue(resume), progress, overwrite: parse.GetValue(overwrite)));
            var last = result.Metrics.Count > 0 ? result.Metrics[^1] : null;
            Console.WriteLine($"trained {result.Steps} steps ({result.Tokens:N0} tokens); L0 {last?.L0:F1}, explained variance {last?.ExplainedVariance:F3}; " +
                $"{result.Weights.Info.Permutations.Count} reorders; wrote {runDir}");
            return 0;
        }
    }

    /// <summary>Sparsity flags that the chosen architecture would silently ignore are errors.</summary>
    static void CheckOptionFitsArchitecture(ParseResult parse, SaeArchitecture arch, Option<double?> l1, Option<int?> k)
    {
        bool topKFamily = arch is SaeArchitecture.TopK or SaeArchitecture.BatchTopK or SaeArchitecture.Matryoshka or SaeArchitecture.Ordered;
        if (parse.GetValue(k) is not null && !topKFamily)
            throw new ArgumentException($"--k applies to topk, batchtopk and matryoshka; {arch} sets sparsity with {(arch == SaeArchitecture.Standard ? "--l1 or --target-l0" : "--target-l0")}.");
        if (parse.GetValue(l1) is not null && arch != SaeArchitecture.Standard)
            throw new ArgumentException($"--l1 applies to standard SAEs; {arch} sets sparsity with {(topKFamily ? "--k" : "--target-l0")}. Add --arch standard to train an L1 SAE.");
    }
}
