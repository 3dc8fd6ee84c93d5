using System.Text.Json;
using System.Text.Json.Nodes;
using MLSae.Ordering;
using MLSae.Persistence;
using MLSae.Training;

namespace MLSae.Runs;

/// <summary>
/// Everything one training run needs, as one JSON object: the <see cref="SaeTrainingOptions"/>
/// properties at the top level plus an optional "Ordering" object of <see cref="ReorderOptions"/>.
/// `mlsae train --config` and experiment files use this shape; missing properties keep their defaults.
/// </summary>
/// <param name="Training">Trainer options.</param>
/// <param name="Ordering">Feature tracking and reorder options.</param>
public sealed record TrainRunConfig(SaeTrainingOptions Training, ReorderOptions Ordering)
{
    /// <summary>The property holding the ordering options.</summary>
    public const string OrderingProperty = "Ordering";

    /// <summary>Defaults for both.</summary>
    public static TrainRunConfig Default => new(new SaeTrainingOptions(), new ReorderOptions());

    /// <summary>Reads a config from a JSON object node.</summary>
    public static TrainRunConfig FromJson(JsonNode? node, string where)
    {
        if (node is not JsonObject obj) throw new JsonException($"{where}: expected a JSON object of training options.");
        var ordering = obj[OrderingProperty];
        var trainingJson = obj.DeepClone().AsObject();
        trainingJson.Remove(OrderingProperty);
        return new TrainRunConfig(
            trainingJson.Deserialize<SaeTrainingOptions>(SaeTrainer.JsonOptions) ?? new SaeTrainingOptions(),
            ordering is null ? new ReorderOptions() : ordering.Deserialize<ReorderOptions>(SaeTrainer.JsonOptions) ?? new ReorderOptions());
    }

    /// <summary>Reads a config file.</summary>
    public static TrainRunConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        try
        {
            return FromJson(JsonNode.Parse(File.ReadAllText(path)), path);
        }
        catch (JsonException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            // The serializer's message ("'n' is an invalid start of a property name...") does not say which file.
            throw new JsonException($"Config file '{path}' is not valid: {e.Message}", e);
        }
    }

    /// <summary>
    /// The config a training run starts from before the caller's own changes: the file at <paramref name="configPath"/> when
    /// given; else, when resuming a run folder that holds run.json, that run's config (so a resume needs nothing else, and
    /// options given again must match it); else <see cref="Default"/>.
    /// </summary>
    public static TrainRunConfig Base(string? configPath, string runDirectory, bool resume)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDirectory);
        var stored = Path.Combine(runDirectory, RunFolder.RunConfig);
        return configPath is not null ? Load(configPath)
            : resume && File.Exists(stored) ? Load(stored)
            : Default;
    }

    /// <summary>This config as one JSON object (the shape <see cref="FromJson"/> reads).</summary>
    public JsonObject ToJson()
    {
        var obj = JsonSerializer.SerializeToNode(Training, SaeTrainer.JsonOptions)!.AsObject();
        obj[OrderingProperty] = JsonSerializer.SerializeToNode(Ordering, SaeTrainer.JsonOptions);
        return obj;
    }
}
