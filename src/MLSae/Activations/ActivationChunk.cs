namespace MLSae.Activations;

/// <summary>
/// A run of token rows produced by extraction and consumed by the activation cache: row r has
/// d activations, the token id, the document it came from and its position in the context.
/// Special tokens are excluded before a chunk is formed (they are counted in the manifest).
/// </summary>
/// <param name="Activations">Row-major [Rows, Dimension].</param>
/// <param name="TokenIds">[Rows] vocabulary ids.</param>
/// <param name="DocumentIds">[Rows] index of the source document in corpus order.</param>
/// <param name="Positions">[Rows] position of the token within its context window.</param>
/// <param name="Dimension">d.</param>
public sealed record ActivationChunk(float[] Activations, int[] TokenIds, long[] DocumentIds, int[] Positions, int Dimension)
{
    /// <summary>Number of token rows.</summary>
    public int Rows => TokenIds.Length;
}
