using MLSae.Runs;

namespace MLSae.Runs.Experiments;

/// <summary>
/// An experiment: where the activations come from, the seeds, and the runs to train and evaluate
/// (each a <see cref="TrainRunConfig"/> plus evaluation options). Read with <see cref="ExperimentFile.Load"/>.
/// </summary>
public sealed record ExperimentDefinition
{
    /// <summary>Name (report title).</summary>
    public required string Name { get; init; }
    /// <summary>Free text shown at the top of the report.</summary>
    public string? Description { get; init; }
    /// <summary>Where activations come from.</summary>
    public ExperimentSource Source { get; init; } = new();
    /// <summary>Seeds; every run is trained once per seed (the seed sets initialisation and batch order).</summary>
    public IReadOnlyList<int> Seeds { get; init; } = ExperimentDefaults.Seeds;
    /// <summary>The runs, in file order (the order of tables and plots).</summary>
    public required IReadOnlyList<ExperimentRun> Runs { get; init; }
    /// <summary>Which plots to draw.</summary>
    public ExperimentPlotOptions Plots { get; init; } = new();
    /// <summary>How `--quick` scales the experiment down.</summary>
    public QuickScale Quick { get; init; } = new();
    /// <summary>True once <see cref="QuickScale.Apply(ExperimentDefinition)"/> has scaled this experiment.</summary>
    public bool IsQuick { get; init; }
    /// <summary>Folder relative paths in <see cref="Source"/> are resolved against (the experiment file's folder).</summary>
    public string BaseDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>The run called <paramref name="name"/>, or null.</summary>
    public ExperimentRun? FindRun(string name) => Runs.FirstOrDefault(r => r.Name == name);

    /// <summary>This experiment with <paramref name="count"/> seeds: the file's first ones, then the next integers after the largest.</summary>
    public ExperimentDefinition WithSeedCount(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "The seed count (the count argument) must be at least 1.");
        var seeds = Seeds.Take(count).ToList();
        int next = seeds.Count > 0 ? Seeds.Max() + 1 : 1;
        while (seeds.Count < count) seeds.Add(next++);
        return this with { Seeds = seeds };
    }
}

/// <summary>One named configuration of an experiment.</summary>
/// <param name="Name">Folder-safe name, unique in the experiment.</param>
/// <param name="Description">Free text (the report's run list).</param>
/// <param name="Control">The run it is compared with (usually its no-reorder twin); null for none.</param>
/// <param name="Train">Training and ordering options (the seed is replaced per seed).</param>
/// <param name="Eval">Evaluation options.</param>
public sealed record ExperimentRun(string Name, string? Description, string? Control, TrainRunConfig Train, ExperimentEvalOptions Eval)
{
    /// <summary>The training config for <paramref name="seed"/>.</summary>
    public TrainRunConfig ForSeed(int seed) => Train with { Training = Train.Training with { Seed = seed } };
}

/// <summary>Defaults of experiment files.</summary>
public static class ExperimentDefaults
{
    /// <summary>Seeds when the file names none.</summary>
    public static readonly IReadOnlyList<int> Seeds = [1, 2, 3];
    /// <summary>The built-in text: the summaries of the .NET SDK's XML API documentation.</summary>
    public const string SdkDocsText = "sdk-docs";
    /// <summary>Default model.</summary>
    public const string Model = "minilm-l6";
    /// <summary>Text tokens of the downstream-preservation measurement per run.</summary>
    public const long DownstreamTokens = 2048;
    /// <summary>Documents taken from the end of the source corpus for downstream preservation.</summary>
    public const int DownstreamDocuments = 400;
    /// <summary>Default hook.</summary>
    public const string Hook = "blocks.3.hook_resid_post";
    /// <summary>Tokens extracted by default.</summary>
    public const long MaxTokens = 1_000_000;
    /// <summary>Fraction of the cache's rows (its last rows) held out from training and used for evaluation.</summary>
    public const double HeldOutFraction = 0.1;
    /// <summary>Rows used for prefix curves.</summary>
    public const long PrefixRows = 20_000;
}

/// <summary>Where an experiment's activations come from: an existing cache, or text run through a model.</summary>
public sealed record ExperimentSource
{
    /// <summary>An existing activation cache folder (then model, hook and text are not used).</summary>
    public string? Activations { get; init; }
    /// <summary>Model spec (minilm-l6, pythia:DIR, onnx:FILE).</summary>
    public string Model { get; init; } = ExperimentDefaults.Model;
    /// <summary>Hook, e.g. blocks.3.hook_resid_post.</summary>
    public string Hook { get; init; } = ExperimentDefaults.Hook;
    /// <summary>Text: "sdk-docs" (built in) or a corpus file/folder (relative to the experiment file).</summary>
    public string Text { get; init; } = ExperimentDefaults.SdkDocsText;
    /// <summary>Field/column holding the text in JSON lines, CSV or Parquet corpora.</summary>
    public string TextField { get; init; } = "text";
    /// <summary>Tokens to extract.</summary>
    public long MaxTokens { get; init; } = ExperimentDefaults.MaxTokens;
    /// <summary>Tokens per context window.</summary>
    public int Context { get; init; } = 128;
    /// <summary>Fraction of the rows held out for evaluation (the last rows of the cache).</summary>
    public double HeldOutFraction { get; init; } = ExperimentDefaults.HeldOutFraction;
}

/// <summary>How each run is evaluated (on the held-out rows).</summary>
public sealed record ExperimentEvalOptions
{
    /// <summary>Defaults.</summary>
    public ExperimentEvalOptions() { }
    /// <summary>Evaluate at most this many held-out rows (0: all).</summary>
    public long MaxTokens { get; init; }
    /// <summary>Rows per evaluation batch.</summary>
    public int BatchSize { get; init; } = Evaluation.MetricsEvaluatorDefaults.BatchSize;
    /// <summary>Also compute prefix curves (as trained, post-hoc frequency, random, ...).</summary>
    public bool PrefixCurves { get; init; } = true;
    /// <summary>Held-out rows used for prefix curves.</summary>
    public long PrefixRows { get; init; } = ExperimentDefaults.PrefixRows;
    /// <summary>
    /// Text tokens for downstream preservation (the SAE spliced into the model; 0: skip). The texts are the
    /// source corpus's last documents, which training never reads. Not scaled by --quick.
    /// </summary>
    public long DownstreamTokens { get; init; } = ExperimentDefaults.DownstreamTokens;
}

/// <summary>Which plots an experiment draws.</summary>
public sealed record ExperimentPlotOptions
{
    /// <summary>Steps of the activation_dist_step_{N}.png plots (empty: the final step only).</summary>
    public IReadOnlyList<long> Steps { get; init; } = [];
    /// <summary>Steps of the activation_history_step_{N}.png plots (empty: the final step only).</summary>
    public IReadOnlyList<long> HistorySteps { get; init; } = [];
    /// <summary>Runs shown in the per-run and overlay plots (empty: up to six, reorder runs first).</summary>
    public IReadOnlyList<string> Runs { get; init; } = [];
}
