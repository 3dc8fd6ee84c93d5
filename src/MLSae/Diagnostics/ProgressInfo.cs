namespace MLSae.Diagnostics;

/// <summary>
/// Progress of long work (extraction, training, scoring, evaluation), reported through
/// <see cref="IProgress{T}"/>. Library code reports; the CLI and examples render.
/// </summary>
/// <param name="Done">Units finished so far.</param>
/// <param name="Total">Units expected in all; 0 when unknown.</param>
/// <param name="Unit">What a unit is: "tokens", "steps", "rows".</param>
/// <param name="Detail">A short status, e.g. "loss 0.031 L0 24.5"; may be null.</param>
public readonly record struct ProgressInfo(long Done, long Total, string Unit, string? Detail = null);
