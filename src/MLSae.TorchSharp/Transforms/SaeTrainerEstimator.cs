using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Runs;

namespace MLSae.Transforms;

/// <summary>
/// Trains a sparse autoencoder on a column of activations (a known-size vector of d floats, one row
/// per token) with TorchSharp, and returns the same <see cref="SaeTransformer"/> that <c>ApplySae</c>
/// gives: it saves into an ML.NET zip as an embedded ONNX graph and scores without TorchSharp.
/// Fitting runs <see cref="TrainRun"/> (the trainer plus feature tracking and the in-training reorder
/// strategy of <see cref="TrainSaeOptions.Ordering"/>); the SAE's info carries the model and hook names,
/// the training tokens, feature frequencies and the permutation log, which saving keeps in the ONNX metadata.
/// Made by <c>mlContext.Transforms.TrainSae(...)</c>. For a post-hoc reorder, wrap it:
/// <c>mlContext.Transforms.ReorderSaeFeatures(mlContext.Transforms.TrainSae(...))</c> (see docs/pipelines.md).
/// </summary>
public sealed class SaeTrainerEstimator : IEstimator<SaeTransformer>
{
    readonly TransformsCatalog _catalog;
    readonly IProgress<ProgressInfo>? _progress;

    /// <summary>Built by <c>mlContext.Transforms.TrainSae(...)</c>.</summary>
    internal SaeTrainerEstimator(TransformsCatalog catalog, TrainSaeOptions? options, IProgress<ProgressInfo>? progress)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new TrainSaeOptions();
        ArgumentException.ThrowIfNullOrEmpty(options.OutputColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.InputColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.ReconstructionColumnName, nameof(options));
        if (options.MaxInMemoryRows < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxInMemoryRows must be >= 0 (got {options.MaxInMemoryRows}).");
        if (options.ShuffleBufferRows <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"ShuffleBufferRows must be positive (got {options.ShuffleBufferRows}).");
        options.Ordering.Validate();
        _catalog = catalog;
        _progress = progress;
        Options = options;
    }

    /// <summary>Columns, training and ordering options.</summary>
    public TrainSaeOptions Options { get; }

    /// <summary>Trains on the input column of <paramref name="input"/> and returns the SAE as a transformer.</summary>
    public SaeTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = CheckInput(input.Schema, Options.InputColumnName);
        int d = ((VectorDataViewType)column.Type).Size;
        using var data = DataViewTrainingData.Create(input, column, d, Options, _progress);
        MLSaeLog.Info($"TrainSae: d = {d}, column '{column.Name}', data {data.Description}");
        SaeInfo? provenance = Options.ModelName is null && Options.HookName is null ? null
            : new SaeInfo { ModelName = Options.ModelName, HookName = Options.HookName };
        var result = TrainRun.Execute(data.Batches, new TrainRunConfig(Options.Training, Options.Ordering), Options.RunDirectory,
            provenance, progress: _progress);
        return new SaeTransformer(_catalog, result.Weights, Options.Columns);
    }

    /// <summary>The input shape plus the Features and Reconstruction columns; checks the activation column.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var name = Options.InputColumnName;
        var matches = inputSchema.Where(c => c.Name == name).ToList();
        if (matches.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Input column '{name}' not found; {Expected}");
        var col = matches[^1];
        if (col.Kind != SchemaShape.Column.VectorKind.Vector || col.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Input column '{name}' is a {Describe(col.Kind)} of {col.ItemType}; {Expected}{Hint(col.Kind)}");
        return SaeSchema.Output(inputSchema, Options.Columns);
    }

    const string Expected = "TrainSae expects a known-size vector of Single (d values, one row per token).";

    internal static DataViewSchema.Column CheckInput(DataViewSchema schema, string name)
    {
        var col = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"Input column '{name}' not found; {Expected} Columns present: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (col.Type is not VectorDataViewType { ItemType: var item } v || item != NumberDataViewType.Single || v.Size <= 0)
        {
            var kind = col.Type is VectorDataViewType { Size: 0 } ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Scalar;
            throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{name}' has type {col.Type}; {Expected}{Hint(kind)}");
        }
        return col;
    }

    static string Describe(SchemaShape.Column.VectorKind kind) => kind switch
    {
        SchemaShape.Column.VectorKind.VariableVector => "variable-size vector",
        SchemaShape.Column.VectorKind.Vector => "vector",
        _ => "scalar",
    };

    static string Hint(SchemaShape.Column.VectorKind kind) => kind == SchemaShape.Column.VectorKind.VariableVector
        ? " ExtractActivations gives one [tokens x d] vector per document: add mlContext.Transforms.FlattenActivations() before TrainSae."
        : "";
}
