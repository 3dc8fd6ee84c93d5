namespace MLSae.Diagnostics;

/// <summary>
/// Where MLSae's one-line notices go (execution provider chosen, fallbacks, resumes).
/// Standard error by default so piped command output stays clean; set <see cref="Sink"/> to redirect.
/// </summary>
public static class MLSaeLog
{
    /// <summary>Receives each notice; null silences them.</summary>
    public static Action<string>? Sink { get; set; } = message => Console.Error.WriteLine(message);

    /// <summary>Writes one notice.</summary>
    public static void Info(string message) => Sink?.Invoke("mlsae: " + message);
}
