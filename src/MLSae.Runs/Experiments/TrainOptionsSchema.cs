using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLSae.Ordering;
using MLSae.Runs;
using MLSae.Training;

namespace MLSae.Runs.Experiments;

/// <summary>
/// The members a training config may hold (<see cref="SaeTrainingOptions"/> plus an "Ordering" object of
/// <see cref="ReorderOptions"/>). Puts names in their canonical case, enum values in their canonical
/// spelling ("jumprelu" -> "JumpReLU", "mean-activation" -> "MeanActivation"), checks value types, and
/// merges configs (later members win; "Ordering" merges member by member).
/// </summary>
static class TrainOptionsSchema
{
    static readonly IReadOnlyDictionary<string, PropertyInfo> s_training = Writable(typeof(SaeTrainingOptions));
    static readonly IReadOnlyDictionary<string, PropertyInfo> s_ordering = Writable(typeof(ReorderOptions));

    static Dictionary<string, PropertyInfo> Writable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The canonical form of a train object at <paramref name="where"/>.</summary>
    public static JsonObject Canonicalize(JsonNode? node, string file, string where)
    {
        if (node is not JsonObject obj) throw new ExperimentFileException(file, where, $"expected a JSON object of training options, got {JsonFields.Describe(node)}.");
        var result = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (string.Equals(name, TrainRunConfig.OrderingProperty, StringComparison.OrdinalIgnoreCase))
            {
                var orderingWhere = $"{where}.{TrainRunConfig.OrderingProperty}";
                if (value is not JsonObject ordering)
                    throw new ExperimentFileException(file, orderingWhere, $"expected a JSON object of ordering options ({Known(s_ordering)}), got {JsonFields.Describe(value)}.");
                var canonical = new JsonObject();
                foreach (var (oname, ovalue) in ordering)
                    Add(canonical, s_ordering, oname, ovalue, file, orderingWhere);
                result[TrainRunConfig.OrderingProperty] = canonical;
                continue;
            }
            Add(result, s_training, name, value, file, where);
        }
        return result;
    }

    static void Add(JsonObject target, IReadOnlyDictionary<string, PropertyInfo> schema, string name, JsonNode? value, string file, string where)
    {
        if (!schema.TryGetValue(name, out var property))
        {
            var hint = schema == s_training && s_ordering.ContainsKey(name)
                ? $" '{name}' is an ordering option: put it inside \"{TrainRunConfig.OrderingProperty}\"."
                : $" Known options: {Known(schema)}{(schema == s_training ? $", {TrainRunConfig.OrderingProperty}" : "")}.";
            throw new ExperimentFileException(file, $"{where}.{name}", "unknown training option." + hint);
        }
        var field = $"{where}.{property.Name}";
        if (target.ContainsKey(property.Name)) throw new ExperimentFileException(file, field, "given twice (names are case-insensitive).");
        target[property.Name] = Check(property.PropertyType, value, file, field);
    }

    static JsonNode? Check(Type type, JsonNode? value, string file, string field)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (value is null)
            return underlying is not null || !type.IsValueType ? null : throw new ExperimentFileException(file, field, $"expected {Expected(type)}, got null.");
        type = underlying ?? type;
        if (type.IsEnum)
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var text))
            {
                var key = text.Replace("-", "").Replace("_", "");
                var name = Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, key, StringComparison.OrdinalIgnoreCase));
                if (name is not null) return JsonValue.Create(name);
            }
            throw new ExperimentFileException(file, field, $"expected {Expected(type)}, got {JsonFields.Describe(value)}.");
        }
        if (type == typeof(bool))
            return value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                ? value.DeepClone() : throw new ExperimentFileException(file, field, $"expected true or false, got {JsonFields.Describe(value)}.");
        if (type == typeof(int) || type == typeof(long))
        {
            bool ok = value is JsonValue n && n.GetValueKind() == JsonValueKind.Number &&
                (type == typeof(int) ? n.TryGetValue<int>(out _) : n.TryGetValue<long>(out _));
            return ok ? value.DeepClone() : throw new ExperimentFileException(file, field, $"expected {Expected(type)}, got {JsonFields.Describe(value)}.");
        }
        if (type == typeof(double))
            return value is JsonValue d && d.GetValueKind() == JsonValueKind.Number
                ? value.DeepClone() : throw new ExperimentFileException(file, field, $"expected a number, got {JsonFields.Describe(value)}.");
        if (type == typeof(double[]))
        {
            if (value is JsonArray array && array.All(e => e is JsonValue ev && ev.GetValueKind() == JsonValueKind.Number)) return value.DeepClone();
            throw new ExperimentFileException(file, field, $"expected an array of numbers, got {JsonFields.Describe(value)}.");
        }
        return value.DeepClone();
    }

    static string Expected(Type type) =>
        type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}"
        : type == typeof(int) ? "a whole number (32-bit)"
        : type == typeof(long) ? "a whole number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(double) ? "a number"
        : type.Name;

    static string Known(IReadOnlyDictionary<string, PropertyInfo> schema) => string.Join(", ", schema.Values.Select(p => p.Name));

    /// <summary><paramref name="over"/> merged onto a copy of <paramref name="baseConfig"/> (both canonical).</summary>
    public static JsonObject Merge(JsonObject baseConfig, JsonObject over)
    {
        var result = (JsonObject)baseConfig.DeepClone();
        foreach (var (name, value) in over)
        {
            if (name == TrainRunConfig.OrderingProperty && value is JsonObject ordering && result[name] is JsonObject existing)
            {
                foreach (var (oname, ovalue) in ordering) existing[oname] = ovalue?.DeepClone();
                continue;
            }
            result[name] = value?.DeepClone();
        }
        return result;
    }

    /// <summary>Deserialises a canonical object, naming the field on failure.</summary>
    public static TrainRunConfig ToConfig(JsonObject canonical, string file, string where)
    {
        TrainRunConfig config;
        try
        {
            config = TrainRunConfig.FromJson(canonical, where);
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 1 } p ? p.TrimStart('$').TrimStart('.') : "";
            throw new ExperimentFileException(file, path.Length > 0 ? $"{where}.{path}" : where, e.Message, e);
        }
        Validate(config, file, where);
        return config;
    }

    static void Validate(TrainRunConfig config, string file, string where)
    {
        var t = config.Training;
        void Check(bool ok, string name, string problem) { if (!ok) throw new ExperimentFileException(file, $"{where}.{name}", problem); }
        Check(t.BatchSize > 0, nameof(t.BatchSize), $"must be positive, got {t.BatchSize}.");
        Check(t.GradientAccumulation > 0, nameof(t.GradientAccumulation), $"must be at least 1, got {t.GradientAccumulation}.");
        Check(t.Tokens > 0 || t.Steps > 0, nameof(t.Steps), $"train for at least one step (Steps {t.Steps}, Tokens {t.Tokens}).");
        Check(t.LearningRate > 0, nameof(t.LearningRate), $"must be positive, got {t.LearningRate}.");
        Check(t.LogEvery > 0, nameof(t.LogEvery), $"must be positive, got {t.LogEvery}.");
        Check(t.FeatureCount > 0 || t.Expansion > 0, nameof(t.FeatureCount), "set a positive FeatureCount or Expansion.");
        try
        {
            config.Ordering.Validate();
        }
        catch (ArgumentException e)
        {
            var name = e.ParamName ?? "";
            var message = e.Message;
            int cut = message.IndexOf(" (Parameter", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            throw new ExperimentFileException(file, $"{where}.{TrainRunConfig.OrderingProperty}{(name.Length > 0 ? "." + name : "")}", message, e);
        }
    }
}
