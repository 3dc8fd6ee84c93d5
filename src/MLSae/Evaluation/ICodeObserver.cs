namespace MLSae.Evaluation;

/// <summary>Sees every batch of SAE codes the <see cref="MetricsEvaluator"/> computes (e.g. to build a per-feature table).</summary>
public interface ICodeObserver
{
    /// <summary>Codes of rows [<paramref name="firstRow"/>, firstRow + <paramref name="rows"/>), [rows, m] row-major.</summary>
    void Observe(ReadOnlySpan<float> codes, int rows, long firstRow);
}
