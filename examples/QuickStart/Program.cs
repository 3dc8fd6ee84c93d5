// QuickStart: real English text -> MiniLM layer-3 activations -> a small sparse SAE (the defaults: TopK, k = 64) -> metrics -> a feature browser.
// Everything it writes goes under ./quickstart-output (or the folder given as the first argument).
using Microsoft.ML;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Browsing;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Reporting.Browser;
using MLSae.Reporting.Plots;
using MLSae.Runs;
using MLSae.Training;
using QuickStart;
using Spectre.Console;

const string Hook = "blocks.3.hook_resid_post";
var outDir = Path.GetFullPath(args.Length > 0 ? args[0] : "quickstart-output");
AnsiConsole.MarkupLineInterpolated($"[bold]MLSae QuickStart[/]: outputs go to {outDir}");

// 1. Text: a few hundred sentences of the .NET SDK's own API documentation.
var sentences = SdkDocsCorpus.Sentences(count: 800);
var documents = sentences.Select((text, i) => new TextDocument(i, text, "sdk-docs"));

// 2. Activations: MiniLM's residual stream after block 3, into an activation cache on disk.
var model = ModelSources.Resolve(MiniLmResources.Name);
var cacheDir = Path.Combine(outDir, "activations");
using (var extractor = new ActivationExtractor(model, Hook))
using (var sink = new ActivationCacheSink(cacheDir, new ActivationCacheWriterOptions
       { Model = model.Name, Hook = Hook, Dimension = extractor.Dimension, Overwrite = true }))
{
    var summary = ProgressBars.Run("extract", p => extractor.Run(documents, sink, p));
    AnsiConsole.MarkupLineInterpolated($"extracted {summary.TokensStored:N0} tokens from {summary.Documents:N0} sentences ({summary.TokensPerSecond:N0} tokens/s, {summary.Provider})");
}
using var cache = ActivationCache.Open(cacheDir);

// 3. Train an SAE with the default architecture (TopK, k = 64 features per token: sparse whatever the data's scale),
//    10% of tokens held out. For a ReLU + L1 SAE at the same sparsity: Architecture = SaeArchitecture.Standard, TargetL0 = 64.
var batches = ActivationStoreBatchSource.Create(cache, seed: 42, heldOutFraction: 0.1);
var config = new TrainRunConfig(
    new SaeTrainingOptions
    {
        Expansion = 4,
        Steps = 500, BatchSize = 512, WarmupSteps = 50, SparsityWarmupSteps = 100, LogEvery = 50, Seed = 42,
    },
    new ReorderOptions { Strategy = ReorderStrategyKind.Once, Warmup = 200, HistoryInterval = 20 });
var runDir = Path.Combine(outDir, "run");
var result = ProgressBars.Run("train", p => TrainRun.Execute(batches, config, runDir,
    new SaeInfo { ModelName = model.Name, HookName = Hook }, progress: p, overwrite: true));   // a rerun replaces the previous run

// 4. Evaluate on the held-out tokens (SAEBench core metrics).
var metrics = new MLContext(seed: 0).SaeEvaluation().Evaluate(result.Weights, batches.Store.HeldOut);
FeatureFrequencyPlot.Save(Path.Combine(outDir, $"activation_dist_step_{result.Steps}.png"),
    metrics.FeatureFrequencies.Select(f => (float)f).ToArray(), result.Steps, "QuickStart");

var table = new Table().AddColumns("metric (held-out tokens)", "value");
table.AddRow("reconstruction MSE (per element)", $"{metrics.Mse:F5}");
table.AddRow("explained variance", $"{metrics.ExplainedVariance:F3}");
table.AddRow("L0 (features firing per token)", $"{metrics.L0:F1} of {result.Weights.FeatureCount}");
AnsiConsole.Write(table);
AnsiConsole.MarkupLineInterpolated($"tokens evaluated: {metrics.Tokens:N0}; reorders during training: {result.Weights.Info.Permutations.Count}; SAE: {Path.Combine(runDir, "sae.onnx")}");

// 5. A feature browser for the trained SAE: open quickstart-output/site/index.html (no server needed; docs/browser.md).
//    The run's feature history gives the frequency-over-training sparklines; the same as `mlsae browse --sae run --activations activations --out site`.
var history = FeatureHistoryFile.Read(Path.Combine(runDir, RunFolder.FeatureHistory));
var browser = ProgressBars.Run("browse", p => FeatureBrowserBuilder.Build(result.Weights, cache, new SaeCpuForward(result.Weights).Encode,
    TokenDisplay.For(model.Tokenizer), history, progress: p));
var siteDir = Path.Combine(outDir, "site");
FeatureSiteWriter.Write(browser, siteDir, runDir, overwrite: true);
AnsiConsole.MarkupLineInterpolated($"feature browser: {Path.Combine(siteDir, "index.html")}");
return metrics.ExplainedVariance > 0.5 ? 0 : 1;
