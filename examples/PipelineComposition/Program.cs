// PipelineComposition: one ML.NET pipeline from text to sparse-autoencoder features.
//   text -> ExtractActivations (MiniLM, residual stream before block 3) -> FlattenActivations (one row per token)
//        -> TrainSae (TorchSharp) wrapped in ReorderSaeFeatures (most frequent feature first)
// Fit it, save the SAE step to sae.zip, load it into a fresh MLContext, check that it predicts exactly the same,
// and print the most active features of a sentence. Outputs go to ./pipeline-output (gitignored) or the folder given as
// the first argument.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Ordering;
using MLSae.Training;
using MLSae.Transforms;

const string Hook = "blocks.3.hook_resid_pre";
var outDir = Path.GetFullPath(args.Length > 0 ? args[0] : "pipeline-output");
Directory.CreateDirectory(outDir);
Console.WriteLine($"outputs go to {outDir}");
var clock = Stopwatch.StartNew();

// 1. Text: sentences of the .NET SDK's API documentation; the last 40 are held out.
var sentences = SdkDocsCorpus.Sentences(count: 440);
var ml = new MLContext(seed: 0);
var trainText = ml.Data.LoadFromEnumerable(sentences.Take(400).Select(s => new TextRow { Text = s }));
var heldText = ml.Data.LoadFromEnumerable(sentences.Skip(400).Select(s => new TextRow { Text = s }));

// 2. The pipeline. ReorderSaeFeatures wraps TrainSae: ML.NET's Append hands a step only the data, never the
//    previous step's model, so the reorder step fits the trainer itself and keeps one SAE in the fitted chain.
var pipeline = ml.Transforms.ExtractActivations(hook: Hook)          // per sentence: [tokens x 384] floats
    .Append(ml.Transforms.FlattenActivations())                       // per token: "Activation" [384], TokenId, DocumentId, Position
    .AppendCacheCheckpoint(ml)                                        // run MiniLM once; training and the reorder both read the tokens
    .Append(ml.Transforms.ReorderSaeFeatures(
        ml.Transforms.TrainSae(new TrainSaeOptions
        {
            Training = new SaeTrainingOptions
            {
                Architecture = MLSae.Models.SaeArchitecture.TopK, K = 16, Expansion = 2,
                Steps = 300, BatchSize = 256, WarmupSteps = 30, SparsityWarmupSteps = 60, LogEvery = 100, Seed = 42,
            },
            ModelName = MiniLmResources.Name, HookName = Hook,
        }, new ConsoleProgress()),
        new SaeReorderOptions { By = FeatureOrderKey.Frequency }));
Console.WriteLine($"fitting on {sentences.Count - 40} sentences ...");
using var model = pipeline.Fit(trainText);
var sae = model.LastTransformer;
Console.WriteLine($"fitted in {clock.Elapsed.TotalSeconds:F1} s: SAE d = {sae.Weights.InputDim}, m = {sae.Weights.FeatureCount}, " +
                  $"trained on {sae.Weights.Info.TrainingTokens:N0} tokens");

// 3. Save. The extraction steps cannot go into a zip (they hold a language model and turn one row into many),
//    so the SAE step is saved with the schema of the token rows it reads.
var tokenSteps = new TransformerChain<ITransformer>(model.Take(model.Count() - 1).ToArray());
var heldTokens = tokenSteps.Transform(heldText);
var zip = Path.Combine(outDir, "sae.zip");
ml.Model.Save(sae, heldTokens.Schema, zip);
Console.WriteLine($"saved {zip} ({new FileInfo(zip).Length / 1024.0:N0} KiB)");

// 4. Load in a fresh MLContext (as a scoring app would: no TorchSharp needed), recreate the extraction steps,
//    and compare the predictions on the held-out sentences with the in-memory model's.
var scoring = new MLContext(seed: 1);
var loaded = scoring.Model.Load(zip, out _);
int exitCode = 0;
try
{
    var freshTokens = scoring.Transforms.ExtractActivations(hook: Hook).Append(scoring.Transforms.FlattenActivations())
        .Fit(heldText).Transform(heldText);
    var before = Rows(sae.Transform(heldTokens));
    var after = Rows(loaded.Transform(freshTokens));
    double maxDiff = 0;
    for (int t = 0; t < before.Count; t++)
    {
        maxDiff = Math.Max(maxDiff, MaxAbsDiff(before[t].Features, after[t].Features));
        maxDiff = Math.Max(maxDiff, MaxAbsDiff(before[t].Reconstruction, after[t].Reconstruction));
    }
    double ev = ExplainedVariance(after);
    Console.WriteLine($"held-out: {after.Count:N0} tokens; loaded vs in-memory max |diff| = {maxDiff:E2} (Features and Reconstruction); " +
                      $"explained variance {ev:F3}; mean L0 {after.Average(r => r.Features.Count(f => f > 0)):F1}");
    if (after.Count != before.Count || maxDiff > 1e-6)
    {
        Console.Error.WriteLine($"FAILED: the loaded model's predictions differ ({after.Count} vs {before.Count} rows, max |diff| {maxDiff:E2} > 1e-6).");
        exitCode = 1;
    }

    // 5. What the loaded model knows about itself (from the ONNX metadata in the zip).
    var typed = SaeModelFile.FromModel(scoring, loaded);
    var freq = typed.Info.FeatureFrequencies!;
    Console.WriteLine($"typed view: {typed.Architecture} (k = {typed.K}), d = {typed.InputDim}, m = {typed.FeatureCount}, model {typed.Info.ModelName}, " +
                      $"hook {typed.Info.HookName}, reorders logged {typed.Info.Permutations.Count}; feature 0 fires on {freq[0]:P1} of tokens, " +
                      $"feature {freq.Length - 1} on {freq[^1]:P1}");

    // 6. Top features of a new sentence.
    const string Sentence = "Returns a read-only collection of the keys and values in the dictionary.";
    var one = scoring.Data.LoadFromEnumerable(new[] { new TextRow { Text = Sentence } });
    var oneTokens = scoring.Transforms.ExtractActivations(hook: Hook).Append(scoring.Transforms.FlattenActivations()).Fit(one).Transform(one);
    var rows = Rows(loaded.Transform(oneTokens));
    var tokenizer = ModelSources.ResolveTokenizer(MiniLmResources.Name);
    Console.WriteLine($"\n\"{Sentence}\"");
    Console.WriteLine("token            top features (index: activation; lower index = fires more often)");
    foreach (var r in rows)
    {
        var top = r.Features.Select((v, i) => (v, i)).Where(p => p.v > 0).OrderByDescending(p => p.v).Take(4);
        Console.WriteLine($"{tokenizer.IdToToken(r.TokenId),-16} {string.Join("  ", top.Select(p => $"{p.i,4}: {p.v:F2}"))}");
    }
    var summed = new double[typed.FeatureCount];
    foreach (var r in rows) for (int i = 0; i < summed.Length; i++) summed[i] += r.Features[i];
    Console.WriteLine("most active over the sentence: " + string.Join(", ", summed.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(6)
        .Select(p => $"#{p.i} (sum {p.v:F2}, fires on {freq[p.i]:P1} of training tokens)")));
}
finally
{
    (loaded as IDisposable)?.Dispose();   // deletes ML.NET's temporary copy of the ONNX graph
}
Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1} s");
return exitCode;

static List<TokenCodes> Rows(IDataView view) =>
    new MLContext().Data.CreateEnumerable<TokenCodes>(view, reuseRowObject: false).ToList();

static double MaxAbsDiff(float[] a, float[] b) =>
    a.Length != b.Length ? double.PositiveInfinity : a.Zip(b, (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty(0).Max();

// 1 - E||x - x_hat||^2 / E||x - mean x||^2 over the tokens.
static double ExplainedVariance(List<TokenCodes> rows)
{
    int d = rows[0].Activation.Length;
    var mean = new double[d];
    foreach (var r in rows) for (int j = 0; j < d; j++) mean[j] += r.Activation[j] / (double)rows.Count;
    double err = 0, total = 0;
    foreach (var r in rows)
        for (int j = 0; j < d; j++)
        {
            err += Math.Pow(r.Activation[j] - r.Reconstruction[j], 2);
            total += Math.Pow(r.Activation[j] - mean[j], 2);
        }
    return 1 - err / total;
}

sealed class TextRow
{
    public string Text { get; set; } = "";
}

sealed class TokenCodes
{
    public int TokenId { get; set; }
    [VectorType] public float[] Activation { get; set; } = [];
    [VectorType] public float[] Features { get; set; } = [];
    [VectorType] public float[] Reconstruction { get; set; } = [];
}

/// <summary>Prints the trainer's metrics lines as they come (synchronously, unlike Progress&lt;T&gt;).</summary>
sealed class ConsoleProgress : IProgress<ProgressInfo>
{
    readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Report(ProgressInfo value) =>
        Console.WriteLine($"  [{_clock.Elapsed.TotalSeconds,5:F1} s] TrainSae: {value.Done:N0}{(value.Total > 0 ? $"/{value.Total:N0}" : "")} {value.Unit}  {value.Detail}");
}
