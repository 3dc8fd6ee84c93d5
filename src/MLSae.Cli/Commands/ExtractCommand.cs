using System.CommandLine;
using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Cli.Rendering;
using MLSae.Onnx;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>What the CLI asks of an activation sink: where, in which dtype, whether to replace or resume.</summary>
/// <param name="OutputDirectory">--out.</param>
/// <param name="DType">"f32" or "bf16".</param>
/// <param name="Overwrite">--overwrite.</param>
/// <param name="Resume">--resume.</param>
/// <param name="Model">Model spec.</param>
/// <param name="Hook">Hook as requested.</param>
/// <param name="Dimension">d.</param>
/// <param name="ContextLength">--context.</param>
/// <param name="DataPath">--data.</param>
/// <param name="Metadata">Manifest metadata (the corpus shard of a sharded extraction), or null.</param>
sealed record ExtractSinkRequest(string OutputDirectory, string DType, bool Overwrite, bool Resume, string Model, string Hook, int Dimension, int ContextLength, string DataPath,
    IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>`mlsae extract`: text to a hook's activations, written through an <see cref="IActivationSink"/>.</summary>
static class ExtractCommand
{
    /// <summary>Creates the sink the rows go to: an activation cache in the output folder.</summary>
    static IActivationSink CreateSink(ExtractSinkRequest request) =>
        new ActivationCacheSink(request.OutputDirectory, new ActivationCacheWriterOptions
        {
            Model = request.Model,
            Hook = request.Hook,
            Dimension = request.Dimension,
            DType = ActivationDTypes.Parse(request.DType) ?? throw new ArgumentException($"--dtype '{request.DType}' is not f32 or bf16."),
            Context = request.ContextLength,
            SourceFiles = CorpusReader.Files(request.DataPath),
            Resume = request.Resume,
            Overwrite = request.Overwrite,
            Metadata = request.Metadata,
        });

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"Model: {string.Join("; ", ModelSources.ValidForms)}.", DefaultValueFactory = _ => MiniLmResources.Name };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file (vocab.txt or tokenizer.json) for onnx: models." };
        var hook = new Option<string>("--hook") { Description = "Hook, e.g. blocks.3.hook_resid_post, or a raw ONNX tensor name (see `mlsae inspect`).", Required = true };
        var data = new Option<string>("--data") { Description = "Text corpus: .txt, .jsonl, .csv, .parquet file or a folder of them.", Required = true };
        var textField = new Option<string>("--text-field") { Description = "Field/column with the text (JSON lines, CSV, Parquet).", DefaultValueFactory = _ => CorpusReader.DefaultTextField };
        var context = new Option<int>("--context") { Description = "Tokens per context, special tokens included.", DefaultValueFactory = _ => ExtractionDefaults.ContextLength };
        var batch = new Option<int>("--batch-size") { Description = "Contexts per ONNX Runtime run.", DefaultValueFactory = _ => ExtractionDefaults.BatchSize };
        var maxTokens = new Option<long>("--max-tokens") { Description = "Stop after this many stored tokens (0: whole corpus).", DefaultValueFactory = _ => ExtractionDefaults.MaxTokens };
        var dtype = new Option<string>("--dtype") { Description = "Stored precision: f32 or bf16.", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "bf16");
        var includeSpecial = new Option<bool>("--include-special") { Description = "Also store CLS/SEP/BOS/EOS rows (padding never)." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core).", DefaultValueFactory = _ => OnnxExecutionDefaults.IntraOpThreads };
        var cpu = new Option<bool>("--cpu") { Description = "Do not try CUDA." };
        var output = new Option<string>("--out") { Description = "Output folder.", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace what the output folder holds." };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted extraction into the same folder." };
        var shard = new Option<string?>("--shard") { Description = $"I/N: extract only the I-th of N contiguous slices of the corpus by document (0-based); auto/N takes I from {CorpusShard.KubernetesIndexVariable} or {CorpusShard.SlurmIndexVariable}. Join the N caches with `mlsae cache merge`." };

        var command = new Command("extract", "Run text through a transformer and store one hook's activations (one row per token).")
        {
            model, tokenizer, hook, data, textField, context, batch, maxTokens, dtype, includeSpecial, threads, cpu, output, overwrite, resume, shard,
        };
        command.SetAction(r =>
        {
            var options = new ExtractionOptions
            {
                ContextLength = r.GetValue(context),
                BatchSize = r.GetValue(batch),
                MaxTokens = r.GetValue(maxTokens),
                IncludeSpecialTokens = r.GetValue(includeSpecial),
                Execution = new OnnxExecutionOptions { IntraOpThreads = r.GetValue(threads), PreferCuda = !r.GetValue(cpu) },
            };
            return Run(r.GetValue(model)!, r.GetValue(tokenizer), r.GetValue(hook)!, r.GetValue(data)!, r.GetValue(textField)!, options,
                r.GetValue(dtype)!, r.GetValue(output)!, r.GetValue(overwrite), r.GetValue(resume), r.GetValue(shard));
        });
        return command;
    }

    static int Run(string modelSpec, string? tokenizerPath, string hook, string dataPath, string textField, ExtractionOptions options,
        string dtype, string outDir, bool overwrite, bool resume, string? shardSpec)
    {
        try
        {
            var shard = shardSpec is null ? null : CorpusShard.Parse(shardSpec);
            var model = ModelSources.Resolve(modelSpec, tokenizerPath);
            var documents = shard is null ? CorpusReader.Read(dataPath, textField) : shard.Select(() => CorpusReader.Read(dataPath, textField));
            using var extractor = new ActivationExtractor(model, hook, options);
            AnsiConsole.MarkupLineInterpolated($"{model.Name} {extractor.Hook.Name} -> tensor {extractor.Hook.TensorName} (d={extractor.Dimension}), {extractor.NodeCount}/{extractor.OriginalNodeCount} nodes run, {extractor.Provider}");
            var sink = CreateSink(new ExtractSinkRequest(outDir, dtype, overwrite, resume, model.Name, extractor.Hook.Name, extractor.Dimension, options.ContextLength, dataPath,
                shard is null ? null : new Dictionary<string, string> { [ActivationCache.CorpusShardKey] = shard.ToString() }));
            if (shard is not null) AnsiConsole.MarkupLineInterpolated($"corpus shard {shard}");
            try
            {
                var summary = ProgressDisplay.Run("extract", progress => extractor.Run(documents, sink, progress));
                AnsiConsole.MarkupLineInterpolated(
                    $"[green]done[/] {summary.TokensStored:N0} tokens from {summary.Documents:N0} documents ({summary.SpecialTokensSkipped:N0} special tokens not stored) in {summary.Elapsed.TotalSeconds:N1} s, {summary.TokensPerSecond:N0} tokens/s -> {outDir}");
            }
            finally
            {
                (sink as IDisposable)?.Dispose();
            }
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("extract", e);
        }
    }
}
