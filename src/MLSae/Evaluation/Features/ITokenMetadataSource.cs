namespace MLSae.Evaluation.Features;

/// <summary>
/// Token ids, document ids and positions for the rows of an activation source, so feature tables
/// can show the text around an activation. The activation cache implements it (its rows carry them).
/// </summary>
public interface ITokenMetadataSource
{
    /// <summary>Number of rows (the same as the activation source's).</summary>
    long RowCount { get; }

    /// <summary>Copies rows [firstRow, firstRow + count) of token ids, document ids and positions.</summary>
    void ReadTokens(long firstRow, int count, Span<int> tokenIds, Span<long> documentIds, Span<int> positions);
}

/// <summary>An <see cref="ITokenMetadataSource"/> over arrays (tests, small corpora).</summary>
public sealed class InMemoryTokenMetadata : ITokenMetadataSource
{
    readonly int[] _tokens;
    readonly long[] _documents;
    readonly int[] _positions;

    /// <summary>Wraps three arrays of equal length.</summary>
    public InMemoryTokenMetadata(int[] tokenIds, long[] documentIds, int[] positions)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        ArgumentNullException.ThrowIfNull(documentIds);
        ArgumentNullException.ThrowIfNull(positions);
        if (documentIds.Length != tokenIds.Length || positions.Length != tokenIds.Length)
            throw new ArgumentException($"Token ids ({tokenIds.Length}), document ids ({documentIds.Length}) and positions ({positions.Length}) must be equally long.");
        _tokens = tokenIds;
        _documents = documentIds;
        _positions = positions;
    }

    /// <inheritdoc />
    public long RowCount => _tokens.Length;

    /// <inheritdoc />
    public void ReadTokens(long firstRow, int count, Span<int> tokenIds, Span<long> documentIds, Span<int> positions)
    {
        if (firstRow < 0 || count < 0 || firstRow + count > RowCount)
            throw new ArgumentOutOfRangeException(nameof(firstRow), $"Rows [{firstRow}, {firstRow + count}) are outside [0, {RowCount}).");
        int start = (int)firstRow;
        _tokens.AsSpan(start, count).CopyTo(tokenIds);
        _documents.AsSpan(start, count).CopyTo(documentIds);
        _positions.AsSpan(start, count).CopyTo(positions);
    }
}
