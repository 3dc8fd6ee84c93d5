using System.CommandLine;
using System.Text.Json;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Models;
using MLSae.Persistence.SafeTensors;
using MLSae.Training;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae train`: trains an SAE on an activation cache.</summary>
static class TrainCommand
{
    /// <summary>Opens the activation folder. The cache reader is wired here when it lands (ActivationCache.Open).</summary>
    internal static Func<string, IActivationSource> OpenActivations { get; set; } = dir =>
        throw new NotSupportedException($"Cannot read activations in '{dir}': the activation cache reader is not wired into 'mlsae train' yet.");

    public static Command Create()
    {
        var activations = new Option<string>("--activations") { Description = "Folder of the activation cache to train on.", Required = true };
        var arch = new Option<SaeArchitecture?>("--arch") { Description = "standard | jumprelu | topk | batchtopk | matryoshka." };
        var expansion = new Option<int?>("--expansion") { Description = "m = expansion x d (default 8)." };
        var dSae = new Option<int?>("--d-sae") { Description = "Number of features m (overrides --expansion)." };
        var l1 = new Option<double?>("--l1") { Description = "L1 coefficient (standard, default 0.04)." };
        var k = new Option<int?>("--k") { Description = "Active features per token (topk family, default 32)." };
        var targetL0 = new Option<double?>("--target-l0") { Description = "Target L0 (jumprelu, default 20)." };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate (default 3e-4)." };
        var steps = new Option<long?>("--steps") { Description = "Optimizer steps." };
        var tokens = new Option<long?>("--tokens") { Description = "Training tokens (overrides --steps)." };
        var batch = new Option<int?>("--batch-size") { Description = "Tokens per micro-batch (default 4096)." };
        var accum = new Option<int?>("--grad-accum") { Description = "Micro-batches per step (default 1)." };
        var schedule = new Option<LearningRateSchedule?>("--lr-schedule") { Description = "constant | cosine | linear." };
        var warmup = new Option<long?>("--warmup-steps") { Description = "Learning-rate warm-up steps (default 1000)." };
        var seed = new Option<int?>("--seed") { Description = "Seed (default 42)." };
        var config = new Option<string?>("--config") { Description = "JSON file with any SaeTrainingOptions; command-line options override it." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --out." };
        var output = new Option<string>("--out") { Description = "Run folder (config.json, metrics.csv, checkpoint, sae.safetensors).", Required = true };
        var command = new Command("train", "Train a sparse autoencoder on cached activations.")
        {
            activations, arch, expansion, dSae, l1, k, targetL0, lr, steps, tokens, batch, accum, schedule, warmup, seed, config, resume, output,
        };
        command.SetAction(parse =>
        {
            try { return Run(parse); }
            catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException or InvalidOperationException or TrainingDivergedException or JsonException)
            {
                Console.Error.WriteLine($"mlsae train: {e.Message}");
                return 1;
            }
        });
        return command;

        int Run(ParseResult parse)
        {
            var o = new SaeTrainingOptions();
            if (parse.GetValue(config) is { } path)
            {
                if (!File.Exists(path)) throw new FileNotFoundException($"--config: '{path}' does not exist.");
                o = JsonSerializer.Deserialize<SaeTrainingOptions>(File.ReadAllText(path), SaeTrainer.JsonOptions);
            }
            o = o with
            {
                Architecture = parse.GetValue(arch) ?? o.Architecture,
                Expansion = parse.GetValue(expansion) ?? o.Expansion,
                FeatureCount = parse.GetValue(dSae) ?? o.FeatureCount,
                L1Coefficient = parse.GetValue(l1) ?? o.L1Coefficient,
                K = parse.GetValue(k) ?? o.K,
                TargetL0 = parse.GetValue(targetL0) ?? o.TargetL0,
                LearningRate = parse.GetValue(lr) ?? o.LearningRate,
                Steps = parse.GetValue(steps) ?? o.Steps,
                Tokens = parse.GetValue(tokens) ?? o.Tokens,
                BatchSize = parse.GetValue(batch) ?? o.BatchSize,
                GradientAccumulation = parse.GetValue(accum) ?? o.GradientAccumulation,
                LearningRateSchedule = parse.GetValue(schedule) ?? o.LearningRateSchedule,
                WarmupSteps = parse.GetValue(warmup) ?? o.WarmupSteps,
                Seed = parse.GetValue(seed) ?? o.Seed,
            };
            var runDir = parse.GetValue(output)!;
            var source = OpenActivations(parse.GetValue(activations)!);
            var result = ProgressDisplay.Run($"train {o.Architecture}", progress =>
                SaeTrainer.Train(source, o, progress, runDirectory: runDir, resume: parse.GetValue(resume)));
            WriteWeights(Path.Combine(runDir, "sae.safetensors"), result.Weights);
            var last = result.Metrics.Count > 0 ? result.Metrics[^1] : null;
            Console.WriteLine($"trained {result.Steps} steps ({result.Tokens:N0} tokens); L0 {last?.L0:F1}, explained variance {last?.ExplainedVariance:F3}; wrote {runDir}");
            return 0;
        }
    }

    // Interim layout until the shared SAE persistence lands: feature-major tensors in raw activation space.
    static void WriteWeights(string path, SaeWeights w)
    {
        var writer = new SafeTensorsWriter()
            .Add("W_enc", w.EncoderWeights, [w.FeatureCount, w.InputDim])
            .Add("b_enc", w.EncoderBias, [w.FeatureCount])
            .Add("W_dec", w.DecoderWeights, [w.FeatureCount, w.InputDim])
            .Add("b_dec", w.DecoderBias, [w.InputDim])
            .AddMetadata("architecture", w.Architecture.ToString())
            .AddMetadata("activation", w.Activation.ToString())
            .AddMetadata("k", w.K.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (w.Thresholds is { } t) writer.Add("threshold", t, [w.FeatureCount]);
        writer.Save(path);
    }
}
