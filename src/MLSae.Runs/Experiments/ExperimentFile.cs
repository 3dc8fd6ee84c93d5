using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MLSae.Runs;

namespace MLSae.Runs.Experiments;

/// <summary>
/// Reads experiment files (JSON; comments and trailing commas allowed; member names case-insensitive).
/// Shape (docs/experiments.md): name, description, source, seeds, quick, defaults {train, eval},
/// runs [{name, description, extends, control, train, eval}], plots. A run's train config is
/// defaults.train, then the resolved train config of the run it <c>extends</c>, then its own train,
/// merged member by member ("Ordering" too). Every error names the file and the field.
/// </summary>
public static partial class ExperimentFile
{
    static readonly string[] s_top = ["name", "description", "source", "seeds", "quick", "defaults", "runs", "grid", "plots"];
    static readonly string[] s_source = ["activations", "model", "hook", "text", "textField", "maxTokens", "context", "heldOutFraction"];
    static readonly string[] s_defaults = ["train", "eval"];
    static readonly string[] s_run = ["name", "description", "extends", "control", "train", "eval"];
    static readonly string[] s_eval = ["maxTokens", "batchSize", "prefixCurves", "prefixRows", "downstreamTokens"];
    static readonly string[] s_plots = ["steps", "historySteps", "runs"];
    static readonly string[] s_quick = ["stepFactor", "tokenFactor"];

    /// <summary>Reads <paramref name="path"/>; relative paths inside resolve against its folder.</summary>
    public static ExperimentDefinition Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Experiment file '{path}' does not exist. Pass a JSON experiment file (see examples/SeedExperiments/seed-runs.json).", path);
        var full = Path.GetFullPath(path);
        return Parse(File.ReadAllText(full), path, Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses experiment JSON; <paramref name="file"/> names it in errors.</summary>
    public static ExperimentDefinition Parse(string json, string file = "(experiment)", string? baseDirectory = null)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ExperimentFileException(file, $"line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}", $"not valid JSON ({e.Message.Split(" Path:")[0]})", e);
        }
        var top = new JsonFields(root, file, "", s_top);
        var name = top.String("name", required: true)!;

        var defaults = top.Has("defaults") ? new JsonFields(top.Node("defaults"), file, "defaults", s_defaults) : null;
        var defaultTrain = defaults?.Node("train") is { } dt ? TrainOptionsSchema.Canonicalize(dt, file, "defaults.train") : new JsonObject();
        var defaultEval = ReadEval(defaults, "eval", new ExperimentEvalOptions());

        var runs = ReadRuns(top, file, defaultTrain, defaultEval);
        var plots = ReadPlots(top, file, runs);
        return new ExperimentDefinition
        {
            Name = name,
            Description = top.String("description"),
            Source = ReadSource(top, file),
            Seeds = ReadSeeds(top),
            Runs = runs,
            Plots = plots,
            Quick = ReadQuick(top, file),
            BaseDirectory = baseDirectory ?? Directory.GetCurrentDirectory(),
        };
    }

    static ExperimentSource ReadSource(JsonFields top, string file)
    {
        if (!top.Has("source")) return new ExperimentSource();
        var s = new JsonFields(top.Node("source"), file, "source", s_source);
        var d = new ExperimentSource();
        var source = new ExperimentSource
        {
            Activations = s.String("activations"),
            Model = s.String("model") ?? d.Model,
            Hook = s.String("hook") ?? d.Hook,
            Text = s.String("text") ?? d.Text,
            TextField = s.String("textField") ?? d.TextField,
            MaxTokens = s.Long("maxTokens", d.MaxTokens, min: 0),
            Context = s.Int("context", d.Context, min: 3),
            HeldOutFraction = s.Double("heldOutFraction", d.HeldOutFraction),
        };
        if (!(source.HeldOutFraction > 0 && source.HeldOutFraction < 1))
            throw s.Error(s.Field("heldOutFraction"), $"must be between 0 and 1 (exclusive): runs are evaluated on these held-out rows; got {source.HeldOutFraction}.");
        return source;
    }

    static IReadOnlyList<int> ReadSeeds(JsonFields top)
    {
        var node = top.Node("seeds");
        if (node is null) return ExperimentDefaults.Seeds;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var count))
            return count >= 1 ? Enumerable.Range(1, count).ToList() : throw top.Error("seeds", $"a seed count must be at least 1, got {count}.");
        if (node is not JsonArray array || array.Count == 0)
            throw top.Error("seeds", $"expected a non-empty array of whole numbers (e.g. [1, 2, 3]) or a count, got {JsonFields.Describe(node)}.");
        var seeds = new List<int>();
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonValue e || e.GetValueKind() != JsonValueKind.Number || !e.TryGetValue<int>(out var seed))
                throw top.Error($"seeds[{i}]", $"expected a whole number, got {JsonFields.Describe(array[i])}.");
            if (seeds.Contains(seed)) throw top.Error($"seeds[{i}]", $"seed {seed} is listed twice.");
            seeds.Add(seed);
        }
        return seeds;
    }

    static QuickScale ReadQuick(JsonFields top, string file)
    {
        if (!top.Has("quick")) return new QuickScale();
        var q = new JsonFields(top.Node("quick"), file, "quick", s_quick);
        return new QuickScale
        {
            StepFactor = q.Int("stepFactor", QuickScaleDefaults.StepFactor, min: 1),
            TokenFactor = q.Int("tokenFactor", QuickScaleDefaults.TokenFactor, min: 1),
        };
    }

    static ExperimentEvalOptions ReadEval(JsonFields? parent, string member, ExperimentEvalOptions fallback)
    {
        if (parent is null || !parent.Has(member)) return fallback;
        var e = new JsonFields(parent.Node(member), parent.File, parent.Field(member), s_eval);
        return new ExperimentEvalOptions
        {
            MaxTokens = e.Long("maxTokens", fallback.MaxTokens, min: 0),
            BatchSize = e.Int("batchSize", fallback.BatchSize, min: 1),
            PrefixCurves = e.Bool("prefixCurves", fallback.PrefixCurves),
            PrefixRows = e.Long("prefixRows", fallback.PrefixRows, min: 1),
            DownstreamTokens = e.Long("downstreamTokens", fallback.DownstreamTokens, min: 0),
        };
    }

    sealed record RawRun(int Index, string Name, JsonFields Fields, string? Extends, string Where);

    static List<ExperimentRun> ReadRuns(JsonFields top, string file, JsonObject defaultTrain, ExperimentEvalOptions defaultEval)
    {
        var array = top.Array("runs");
        var grid = top.Has("grid")
            ? ExperimentGrid.Expand(top.Array("grid") ?? throw top.Error("grid", "expected an array of grid entries."), file)
            : [];
        if ((array is null || array.Count == 0) && grid.Count == 0)
            throw top.Error("runs", "required: a non-empty array of runs, each {\"name\": ..., \"train\": {...}}, or a \"grid\".");
        // Grid points are runs like any other, after the listed ones.
        var nodes = (array ?? []).Select((node, i) => (Node: node, Where: $"runs[{i}]"))
            .Concat(grid.Select(run => (Node: (JsonNode?)run, Where: $"grid run \"{run["name"]}\""))).ToList();
        var raw = new List<RawRun>();
        for (int i = 0; i < nodes.Count; i++)
        {
            var f = new JsonFields(nodes[i].Node, file, nodes[i].Where, s_run);
            var name = f.String("name", required: true)!;
            if (!SafeName().IsMatch(name))
                throw f.Error(f.Field("name"), $"'{name}' is not a usable folder name: use letters, digits, '.', '_' and '-', starting with a letter or digit.");
            if (raw.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)) is { } twin)
                throw f.Error(f.Field("name"), $"'{name}' is already the name of {nodes[twin.Index].Where}; run names must be unique (case-insensitively, they are folder names).");
            raw.Add(new RawRun(i, name, f, f.String("extends"), i < (array?.Count ?? 0) ? $"runs[{i}] \"{name}\"" : nodes[i].Where));
        }

        var byName = raw.ToDictionary(r => r.Name);
        var resolved = new Dictionary<string, (JsonObject Train, ExperimentEvalOptions Eval)>();
        (JsonObject Train, ExperimentEvalOptions Eval) Resolve(RawRun r, List<string> chain)
        {
            if (resolved.TryGetValue(r.Name, out var done)) return done;
            if (chain.Contains(r.Name))
                throw r.Fields.Error($"{r.Where}.extends", $"runs extend each other in a cycle: {string.Join(" -> ", chain.Append(r.Name))}.");
            chain.Add(r.Name);
            var (baseTrain, baseEval) = (defaultTrain, defaultEval);
            if (r.Extends is { } parent)
            {
                if (!byName.TryGetValue(parent, out var p))
                    throw r.Fields.Error($"{r.Where}.extends", $"no run is called '{parent}'. Runs: {string.Join(", ", raw.Select(x => x.Name))}.");
                (baseTrain, baseEval) = Resolve(p, chain);
            }
            var own = r.Fields.Node("train") is { } t ? TrainOptionsSchema.Canonicalize(t, file, $"{r.Where}.train") : new JsonObject();
            var result = (TrainOptionsSchema.Merge(baseTrain, own), ReadEval(r.Fields, "eval", baseEval));
            resolved[r.Name] = result;
            return result;
        }

        var runs = new List<ExperimentRun>();
        foreach (var r in raw)
        {
            var (train, eval) = Resolve(r, []);
            var control = r.Fields.String("control");
            if (control is not null && (!byName.ContainsKey(control) || control == r.Name))
                throw r.Fields.Error($"{r.Where}.control", control == r.Name
                    ? "a run cannot be its own control."
                    : $"no run is called '{control}'. Runs: {string.Join(", ", raw.Select(x => x.Name))}.");
            runs.Add(new ExperimentRun(r.Name, r.Fields.String("description"), control,
                TrainOptionsSchema.ToConfig(train, file, $"{r.Where}.train"), eval));
        }
        return runs;
    }

    static ExperimentPlotOptions ReadPlots(JsonFields top, string file, List<ExperimentRun> runs)
    {
        if (!top.Has("plots")) return new ExperimentPlotOptions();
        var p = new JsonFields(top.Node("plots"), file, "plots", s_plots);
        var names = p.Strings("runs");
        for (int i = 0; i < names.Count; i++)
            if (runs.All(r => r.Name != names[i]))
                throw p.Error($"plots.runs[{i}]", $"no run is called '{names[i]}'. Runs: {string.Join(", ", runs.Select(r => r.Name))}.");
        var steps = p.Longs("steps");
        var history = p.Longs("historySteps");
        if (steps.Concat(history).Any(s => s <= 0))
            throw p.Error("plots", "steps and historySteps must be positive step numbers.");
        return new ExperimentPlotOptions { Steps = steps, HistorySteps = history, Runs = names };
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex SafeName();
}
