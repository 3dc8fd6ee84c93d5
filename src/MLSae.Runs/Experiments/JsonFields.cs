using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLSae.Runs.Experiments;

/// <summary>
/// Reads the members of one JSON object of an experiment file with case-insensitive names, typed
/// getters and errors that name the file and field. Unknown members are errors (a typo must not be ignored).
/// </summary>
sealed class JsonFields
{
    readonly JsonObject _obj;
    readonly Dictionary<string, string> _names = new(StringComparer.OrdinalIgnoreCase);

    public JsonFields(JsonNode? node, string file, string where, IReadOnlyCollection<string> known)
    {
        File = file;
        Where = where;
        if (node is not JsonObject obj) throw Error(where, $"expected a JSON object, got {Describe(node)}.");
        _obj = obj;
        foreach (var (name, _) in obj)
        {
            var match = known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
                ?? throw Error(Field(name), $"unknown field. Known fields here: {string.Join(", ", known)}.");
            if (!_names.TryAdd(match, name)) throw Error(Field(name), $"given twice (as '{_names[match]}' and '{name}').");
        }
    }

    public string File { get; }
    public string Where { get; }

    public string Field(string name) => Where.Length == 0 ? name : $"{Where}.{name}";

    public bool Has(string name) => _names.ContainsKey(name);

    public JsonNode? Node(string name) => _names.TryGetValue(name, out var actual) ? _obj[actual] : null;

    public ExperimentFileException Error(string field, string problem) => new(File, field, problem);

    public string? String(string name, bool required = false)
    {
        var node = Node(name);
        if (node is null)
            return required ? throw Error(Field(name), "required; give a string.") : null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s))
        {
            if (string.IsNullOrWhiteSpace(s)) throw Error(Field(name), "must not be empty.");
            return s;
        }
        throw Error(Field(name), $"expected a string, got {Describe(node)}.");
    }

    public long Long(string name, long fallback, long min = long.MinValue)
    {
        var node = Node(name);
        if (node is null) return fallback;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var x))
            return x >= min ? x : throw Error(Field(name), $"must be at least {min}, got {x}.");
        throw Error(Field(name), $"expected a whole number, got {Describe(node)}.");
    }

    public int Int(string name, int fallback, int min = int.MinValue) =>
        (int)Math.Clamp(Long(name, fallback, min), int.MinValue, int.MaxValue);

    public double Double(string name, double fallback)
    {
        var node = Node(name);
        if (node is null) return fallback;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var x)) return x;
        throw Error(Field(name), $"expected a number, got {Describe(node)}.");
    }

    public bool Bool(string name, bool fallback)
    {
        var node = Node(name);
        if (node is null) return fallback;
        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        throw Error(Field(name), $"expected true or false, got {Describe(node)}.");
    }

    public JsonArray? Array(string name)
    {
        var node = Node(name);
        if (node is null) return null;
        return node as JsonArray ?? throw Error(Field(name), $"expected an array, got {Describe(node)}.");
    }

    public IReadOnlyList<long> Longs(string name)
    {
        var array = Array(name);
        if (array is null) return [];
        var list = new List<long>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var x)) list.Add(x);
            else throw Error($"{Field(name)}[{i}]", $"expected a whole number, got {Describe(array[i])}.");
        }
        return list;
    }

    public IReadOnlyList<string> Strings(string name)
    {
        var array = Array(name);
        if (array is null) return [];
        var list = new List<string>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s)) list.Add(s);
            else throw Error($"{Field(name)}[{i}]", $"expected a non-empty string, got {Describe(array[i])}.");
        }
        return list;
    }

    /// <summary>A short description of a JSON value for error messages.</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => $"the string \"{v.GetValue<string>()}\"",
            JsonValueKind.Number => $"the number {v.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => v.ToJsonString(),
        },
        _ => node.ToJsonString(),
    };
}
