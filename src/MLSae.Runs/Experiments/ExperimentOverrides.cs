namespace MLSae.Runs.Experiments;

/// <summary>
/// Changes to a loaded experiment file made by its caller (`mlsae experiment --model/--hook/--activations/--seeds/--quick`):
/// another source model, hook or existing activation cache, another number of seeds, the quick scale-down.
/// </summary>
public sealed record ExperimentOverrides
{
    /// <summary>No changes.</summary>
    public ExperimentOverrides() { }

    /// <summary>Replaces source.model (and, unless <see cref="Activations"/> is set, drops the file's source.activations).</summary>
    public string? Model { get; init; }
    /// <summary>Replaces source.hook.</summary>
    public string? Hook { get; init; }
    /// <summary>Train on this existing activation cache (relative to the working folder, not to the experiment file).</summary>
    public string? Activations { get; init; }
    /// <summary>Number of seeds: the file's first N, extended with the next integers.</summary>
    public int? Seeds { get; init; }
    /// <summary>Scale the experiment down by its quick factors.</summary>
    public bool Quick { get; init; }

    /// <summary><paramref name="experiment"/> with these changes.</summary>
    public ExperimentDefinition ApplyTo(ExperimentDefinition experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (Model is not null || Hook is not null || Activations is not null)
            experiment = experiment with
            {
                Source = experiment.Source with
                {
                    Model = Model ?? experiment.Source.Model,
                    Hook = Hook ?? experiment.Source.Hook,
                    Activations = Activations is not null ? Path.GetFullPath(Activations) : Model is not null ? null : experiment.Source.Activations,
                },
            };
        if (Seeds is { } n) experiment = experiment.WithSeedCount(n);
        if (Quick) experiment = experiment.Quick.Apply(experiment);
        return experiment;
    }
}
