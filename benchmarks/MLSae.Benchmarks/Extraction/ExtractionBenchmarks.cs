using BenchmarkDotNet.Attributes;
using MLSae.Activations;
using MLSae.Onnx;

namespace MLSae.Benchmarks.Extraction;

/// <summary>
/// One batch of <see cref="Batch"/> x 128 MiniLM tokens: the pruned graph up to <see cref="Hook"/> against the full
/// forward (all six blocks) on the same ids. tokens/s = Batch x 128 / mean.
/// Run: dotnet run -c Release --project benchmarks/MLSae.Benchmarks -- --filter '*ExtractionBenchmarks*' --job short
/// </summary>
public class ExtractionBenchmarks
{
    const int Context = 128;
    ActivationExtractor _pruned = null!, _full = null!;
    long[] _ids = null!, _mask = null!;

    /// <summary>blocks.3.hook_resid_pre = output of 3 of 6 blocks; blocks.3.hook_resid_post = 4 of 6.</summary>
    [Params("blocks.3.hook_resid_pre", "blocks.3.hook_resid_post")]
    public string Hook { get; set; } = "";

    /// <summary>Contexts per ONNX Runtime run.</summary>
    [Params(8, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var model = ModelSources.Resolve(MiniLmResources.Name);
        var options = new ExtractionOptions { BatchSize = Batch, ContextLength = Context, Execution = new OnnxExecutionOptions { PreferCuda = false } };
        _pruned = new ActivationExtractor(model, Hook, options);
        _full = new ActivationExtractor(model, "blocks.5.hook_resid_post", options with { Prune = false });
        // Real text: Moby-Dick's opening, [CLS] + 126 tokens + [SEP] per context.
        var text = File.ReadAllText(FindData("moby-dick.txt"));
        var tokens = model.Tokenizer.Encode(text[..200_000]);
        _ids = new long[Batch * Context];
        _mask = Enumerable.Repeat(1L, Batch * Context).ToArray();
        for (int b = 0; b < Batch; b++)
        {
            _ids[b * Context] = model.SpecialTokens.Cls!.Value;
            for (int p = 1; p < Context - 1; p++) _ids[b * Context + p] = tokens[b * (Context - 2) + p - 1];
            _ids[b * Context + Context - 1] = model.SpecialTokens.Sep!.Value;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pruned.Dispose();
        _full.Dispose();
    }

    [Benchmark(Baseline = true, Description = "full forward")]
    public float[] Full() => _full.Forward(_ids, _mask, Batch, Context);

    [Benchmark(Description = "pruned to hook")]
    public float[] Pruned() => _pruned.Forward(_ids, _mask, Batch, Context);

    static string FindData(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", file);
            if (File.Exists(candidate)) return candidate;
            candidate = Path.Combine(dir.FullName, "..", "shared", "data", file);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        throw new FileNotFoundException($"{file} not found in ../shared/data above {AppContext.BaseDirectory}.");
    }
}
