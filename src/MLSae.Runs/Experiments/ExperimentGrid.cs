using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MLSae.Runs.Experiments;

/// <summary>
/// The "grid" of an experiment file: each entry <c>{ "name", "description", "train", "eval", "vary": { "K": [16, 32] } }</c>
/// stands for one run per value (per combination when several options vary), named
/// <c>{name}-{option}-{value}</c> (e.g. <c>topk-k-16</c>, <c>standard-target-l0-32</c>), so a sweep is a list of
/// ordinary runs that train, evaluate and resume like any other.
/// </summary>
static class ExperimentGrid
{
    static readonly string[] s_entry = ["name", "description", "train", "eval", "vary"];

    /// <summary>The runs the grid stands for, as JSON run objects in the file's run format.</summary>
    public static List<JsonObject> Expand(JsonArray grid, string file)
    {
        if (grid.Count == 0) throw new ExperimentFileException(file, "grid", "has no entries; give at least one {\"name\": ..., \"vary\": {\"K\": [16, 32]}}, or remove it.");
        var runs = new List<JsonObject>();
        for (int i = 0; i < grid.Count; i++)
        {
            var f = new JsonFields(grid[i], file, $"grid[{i}]", s_entry);
            var name = f.String("name", required: true)!;
            if (f.Node("vary") is not JsonObject vary || vary.Count == 0)
                throw f.Error(f.Field("vary"), "required: an object of training options, each with a non-empty array of values, e.g. {\"K\": [16, 32, 64, 128]}.");
            var axes = new List<(string Option, JsonArray Values)>();
            foreach (var (option, node) in vary)
            {
                if (node is not JsonArray values || values.Count == 0)
                    throw f.Error($"{f.Field("vary")}.{option}", "expected a non-empty array of values; a grid with no points trains nothing.");
                axes.Add((option, values));
            }
            foreach (var point in Points(axes))
            {
                var train = f.Node("train")?.DeepClone() as JsonObject ?? new JsonObject();
                var runName = new StringBuilder(name);
                foreach (var (option, value) in point)
                {
                    train[option] = value.DeepClone();
                    runName.Append('-').Append(Kebab(option)).Append('-').Append(ValueText(value));
                }
                var run = new JsonObject { ["name"] = runName.ToString(), ["train"] = train };
                var description = f.String("description") ?? name;
                run["description"] = $"{description}, {string.Join(", ", point.Select(p => $"{p.Option} {ValueText(p.Value)}"))}";
                if (f.Node("eval") is { } eval) run["eval"] = eval.DeepClone();
                runs.Add(run);
            }
        }
        return runs;
    }

    static IEnumerable<List<(string Option, JsonNode Value)>> Points(List<(string Option, JsonArray Values)> axes)
    {
        IEnumerable<List<(string, JsonNode)>> points = [[]];
        foreach (var (option, values) in axes)
            points = points.SelectMany(p => values.Select(v => new List<(string, JsonNode)>(p) { (option, v!) }));
        return points;
    }

    /// <summary>TargetL0 -> target-l0, K -> k, L1Coefficient -> l1-coefficient.</summary>
    static string Kebab(string option)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < option.Length; i++)
        {
            char c = option[i];
            bool boundary = i > 0 && char.IsUpper(c) && (char.IsLower(option[i - 1]) || i + 1 < option.Length && char.IsLower(option[i + 1]))
                || i > 0 && char.IsDigit(c) != char.IsDigit(option[i - 1]) && char.IsLetter(option[i - 1]) && char.IsLower(option[i - 1]);
            if (boundary) sb.Append('-');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    static string ValueText(JsonNode value) => value is JsonValue v && v.TryGetValue<double>(out var d)
        ? d.ToString("G6", CultureInfo.InvariantCulture)
        : value.ToJsonString().Trim('"');
}
