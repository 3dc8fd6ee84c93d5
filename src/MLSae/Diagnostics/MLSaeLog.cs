namespace MLSae.Diagnostics;

/// <summary>
/// Where MLSae's one-line notices go (execution provider chosen, fallbacks, resumes, skipped lines). Standard error
/// by default, so piped command output stays clean. <see cref="Use"/> sends the notices of the calling flow (its
/// thread, the tasks and parallel loops it starts) to another sink until the returned scope is disposed; other
/// flows (a parallel session, another test) keep theirs. There is no process-wide setting to change.
/// </summary>
public static class MLSaeLog
{
    static readonly AsyncLocal<Scope?> s_current = new();

    /// <summary>Writes one notice to the current flow's sink (standard error when none was set).</summary>
    public static void Info(string message)
    {
        var line = "mlsae: " + message;
        if (s_current.Value is { } scope) scope.Sink?.Invoke(line);
        else Console.Error.WriteLine(line);
    }

    /// <summary>
    /// Sends the notices of the calling flow to <paramref name="sink"/> (null: silence them) until the returned scope is
    /// disposed; scopes nest.
    /// </summary>
    public static IDisposable Use(Action<string>? sink)
    {
        var scope = new Scope(sink, s_current.Value);
        s_current.Value = scope;
        return scope;
    }

    sealed class Scope(Action<string>? sink, Scope? outer) : IDisposable
    {
        public Action<string>? Sink { get; } = sink;

        public void Dispose()
        {
            // Restores the enclosing scope; a scope disposed out of order leaves the flow's current scope alone.
            if (ReferenceEquals(s_current.Value, this)) s_current.Value = outer;
        }
    }
}
