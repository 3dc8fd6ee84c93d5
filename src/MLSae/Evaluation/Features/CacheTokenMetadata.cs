using MLSae.Activations.Cache;

namespace MLSae.Evaluation.Features;

/// <summary>The token ids, document ids and positions an <see cref="ActivationCache"/> stores beside its rows, for feature tables.</summary>
public sealed class CacheTokenMetadata : ITokenMetadataSource
{
    readonly ActivationCache _cache;

    /// <summary>Reads the metadata of <paramref name="cache"/> (which stays owned by the caller).</summary>
    public CacheTokenMetadata(ActivationCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
    }

    /// <inheritdoc />
    public long RowCount => _cache.RowCount;

    /// <inheritdoc />
    public void ReadTokens(long firstRow, int count, Span<int> tokenIds, Span<long> documentIds, Span<int> positions)
    {
        _cache.ReadTokenIds(firstRow, count, tokenIds);
        _cache.ReadDocumentIds(firstRow, count, documentIds);
        _cache.ReadPositions(firstRow, count, positions);
    }
}
