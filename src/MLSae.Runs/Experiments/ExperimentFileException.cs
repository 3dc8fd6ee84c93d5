namespace MLSae.Runs.Experiments;

/// <summary>
/// A problem with an experiment file, naming the file and the field (e.g. <c>runs[3] "run3".train.Steps</c>)
/// and saying what is expected there.
/// </summary>
public sealed class ExperimentFileException : Exception
{
    /// <summary>An error at <paramref name="field"/> of <paramref name="file"/>.</summary>
    public ExperimentFileException(string file, string field, string problem, Exception? inner = null)
        : base($"{file}: {field}: {problem}", inner)
    {
        File = file;
        Field = field;
        Problem = problem;
    }

    /// <summary>The experiment file (or "(experiment)" for one built in code).</summary>
    public string File { get; }
    /// <summary>Where in the file, as a path of JSON names and indices.</summary>
    public string Field { get; }
    /// <summary>What is wrong and what is expected.</summary>
    public string Problem { get; }
}
