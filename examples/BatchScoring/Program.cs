// BatchScoring: score a saved SAE over activations with the batched ONNX Runtime scorer and print
// the most active features. References MLSae only (no TorchSharp).
//
//   dotnet run --project examples/BatchScoring -- [--sae PATH] [--text CORPUS | --data ACTIVATIONS] [--out FILE]
//
// PATH is an ML.NET model zip, an MLSae .onnx file, a run folder or an SAELens folder; CORPUS is text
// (.txt, .jsonl, .csv, .parquet): the SAE's hook is extracted with ONNX Runtime and scored. Without
// --sae it uses the SAE the QuickStart example trained (./quickstart-output/run) when present, scoring
// the .NET SDK's XML API docs (the QuickStart's text, on every machine with the SDK) or --text; otherwise
// it builds a RANDOM SAE and RANDOM activations so it runs anywhere (its features mean nothing).
// It writes to a temporary folder it removes at the end, or to --out.
using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Scoring;

string? saePath = Arg("--sae"), dataPath = Arg("--data"), textPath = Arg("--text"), outPath = Arg("--out");
var work = Path.Combine(Path.GetTempPath(), $"mlsae-batchscoring-{Environment.ProcessId}");
Directory.CreateDirectory(work);
IActivationSource? source = null;
const string QuickStartSae = "quickstart-output/run/sae.onnx";
bool sdkDocs = false;

if (saePath is null && File.Exists(QuickStartSae))
{
    saePath = QuickStartSae;
    sdkDocs = textPath is null;
    Console.WriteLine($"No --sae given: scoring {textPath ?? "the .NET SDK's XML API docs"} with the QuickStart's SAE ({saePath}).");
}
else if (saePath is null)
{
    Console.WriteLine("No --sae given: building a RANDOM SAE (d = 384, m = 4096, ReLU) and 20,000 RANDOM activation rows.");
    Console.WriteLine("The features below are meaningless; pass --sae and --data to score a trained SAE.");
    var weights = RandomSae(384, 4096, seed: 7);
    saePath = Path.Combine(work, "random-sae.zip");
    SaveAsMLNetModel(weights, saePath);
    source = new InMemoryActivationSource(RandomRows(20_000, 384, seed: 8), 384);
}
else if (textPath is null)
{
    source = dataPath is not null ? ActivationSources.Open(dataPath)
        : throw new ArgumentException("Pass --text CORPUS or --data ACTIVATIONS (a cache folder or a .safetensors [rows, d] tensor) with --sae.");
}

outPath ??= Path.Combine(work, "codes.parquet");
using var scorer = SaeScorer.Open(saePath, new SaeScorerOptions { Overwrite = true });
Console.WriteLine($"SAE {saePath}: {scorer.Weights.Architecture}, d = {scorer.Weights.InputDim}, m = {scorer.Weights.FeatureCount}; ONNX Runtime on {scorer.Provider}.");
var progress = new Progress<ProgressInfo>(p =>
{
    if (p.Done == p.Total) Console.WriteLine($"  {p.Done:N0}/{p.Total:N0} {p.Unit} {p.Detail}");
});
var summary = source is not null
    ? scorer.Score(source, outPath, progress)
    : scorer.ScoreText(ModelSources.Resolve(scorer.Weights.Info.ModelName ?? "minilm-l6"), scorer.Weights.Info.HookName ?? "blocks.3.hook_resid_post",
        sdkDocs ? SdkDocsCorpus.Documents() : CorpusReader.Read(textPath!, "text"), outPath, new ExtractionOptions { MaxTokens = 50_000 }, progress);
Console.WriteLine($"Scored {summary.Rows:N0} rows in {summary.Elapsed.TotalSeconds:F2} s ({summary.Rows / summary.Elapsed.TotalSeconds:N0} rows/s), mean L0 {summary.MeanL0:F1}, {summary.EntriesWritten:N0} entries -> {outPath}");
Console.WriteLine();
Console.WriteLine(" rank  feature  fires on   mean when active      max");
int rank = 0;
foreach (var (feature, count, mean, max) in summary.MostActive(10))
    Console.WriteLine($"{++rank,5}  {feature,7}  {count / (double)summary.Rows,8:P2}  {mean,16:F4}  {max,8:F4}");

if (saePath.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) && source is not null)
    CompareWithMLNet(saePath, source!, scorer);
if (Arg("--out") is null)
{
    Directory.Delete(work, recursive: true); // without --out the example leaves nothing behind
    Console.WriteLine($"(no --out: removed {work})");
}

static void CompareWithMLNet(string zip, IActivationSource source, SaeScorer scorer)
{
    // The same zip through ML.NET's Model.Load (one row per session run) agrees with the batched scorer.
    int d = scorer.Weights.InputDim, m = scorer.Weights.FeatureCount, rows = (int)Math.Min(100, source.RowCount);
    var x = new float[rows * d];
    source.ReadRows(0, rows, x);
    var batched = new float[rows * m];
    scorer.Encode(x, rows, batched);
    var ml = new MLContext();
    var model = ml.Model.Load(zip, out _);
    var def = SchemaDefinition.Create(typeof(Row));
    def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
    var view = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(r => new Row { Activation = x[(r * d)..((r + 1) * d)] }), def);
    double maxDiff = 0;
    int i = 0;
    foreach (var v in model.Transform(view).GetColumn<VBuffer<float>>("Features"))
    {
        var dense = v.DenseValues().ToArray();
        for (int j = 0; j < m; j++) maxDiff = Math.Max(maxDiff, Math.Abs(dense[j] - batched[i * m + j]));
        i++;
    }
    (model as IDisposable)?.Dispose();
    Console.WriteLine($"\nML.NET Model.Load of the same zip agrees with the batched scorer on {rows} rows: max |diff| = {maxDiff:E2}");
}

static void SaveAsMLNetModel(SaeWeights weights, string path)
{
    var ml = new MLContext();
    var def = SchemaDefinition.Create(typeof(Row));
    def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, weights.InputDim);
    var empty = ml.Data.LoadFromEnumerable(Array.Empty<Row>(), def);
    using var transformer = ml.Transforms.ApplySae(weights).Fit(empty);
    ml.Model.Save(transformer, empty.Schema, path);
}

static SaeWeights RandomSae(int d, int m, int seed)
{
    var rng = new Random(seed);
    float[] R(int n, double scale, double shift = 0) => Enumerable.Range(0, n).Select(_ => (float)(shift + (rng.NextDouble() * 2 - 1) * scale)).ToArray();
    // A negative encoder bias keeps most features off, as in a trained SAE.
    return new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, d, m,
        R(m * d, 1 / Math.Sqrt(d)), R(m, 0.2, -0.9), R(m * d, 1 / Math.Sqrt(d)), new float[d])
    { Info = new SaeInfo { ModelName = "random", HookName = "random" } };
}

static float[] RandomRows(int rows, int d, int seed)
{
    var rng = new Random(seed);
    return Enumerable.Range(0, rows * d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

sealed class Row
{
    public float[] Activation = [];
}
