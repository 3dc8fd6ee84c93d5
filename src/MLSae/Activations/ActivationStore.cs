namespace MLSae.Activations;

/// <summary>
/// Serves training batches from any <see cref="IActivationSource"/> (usually an on-disk
/// activation cache): B rows at a time into a caller-provided buffer, shuffled with a seeded
/// generator, epoch after epoch, with the last rows of the source held out for validation.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> Training rows [0, T) are cut into chunks of C contiguous rows (the last may
/// be shorter). Each epoch e permutes the chunks with a generator seeded by (seed, e, 0), then takes
/// them G = S / C at a time ("groups"): a group's chunks are read into the shuffle buffer (S rows)
/// and its rows are served in the order of a permutation seeded by (seed, e, g + 1). Every training
/// row is served exactly once per epoch; a batch draws from G places spread over the whole source;
/// when S &gt;= T the epoch is a full permutation. Batches run on across epoch boundaries (a batch
/// may end one epoch and start the next); only the last epoch allowed by
/// <see cref="ActivationStoreOptions.MaxEpochs"/> ends in a short batch.</para>
/// <para><b>Resume contract.</b> The row stream is a pure function of the source's rows and of
/// (T, held-out rows, S, C, shuffle, seed); it does not depend on the batch size or on when the
/// store was created. <see cref="GetState"/> returns the position (epoch, rows of it served) plus
/// that configuration. A trainer saves it with every checkpoint, taken after the batch it has
/// consumed; a fresh store over the same source with the same options, after
/// <see cref="Restore"/>, serves exactly the rows (bit-for-bit, in the same order) an uninterrupted
/// store would have served next. Restore rebuilds the shuffle buffer with one group read; it
/// refuses a state whose configuration differs from the store's. The source must be unchanged
/// (the same cache); the store cannot detect a different source with the same row count.</para>
/// <para>No allocation per batch: the buffer, permutation and chunk order are allocated once.
/// Not thread-safe.</para>
/// </remarks>
public sealed class ActivationStore
{
    readonly IActivationSource _source;
    readonly ActivationStoreOptions _o;
    readonly int _d;
    readonly int _chunkRows;
    readonly int _chunksPerGroup;
    readonly int _chunkCount;
    readonly float[] _buffer;
    readonly long[] _bufferRow;
    readonly int[] _perm;
    readonly int[] _chunkOrder;
    long _orderEpoch = -1;
    long _epoch;
    long _rowInEpoch;
    // The group in the buffer: its epoch, index, first row (in epoch order) and row count; -1 = none.
    long _groupEpoch = -1;
    int _group = -1;
    long _groupStart;
    int _groupRows;

    /// <summary>A store over <paramref name="source"/>; validates <paramref name="options"/> against it.</summary>
    public ActivationStore(IActivationSource source, ActivationStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        var o = options;
        if (o.BatchSize <= 0) throw new ArgumentException($"BatchSize must be > 0, not {o.BatchSize}.", nameof(options));
        if (o.ChunkRows <= 0) throw new ArgumentException($"ChunkRows must be > 0, not {o.ChunkRows}.", nameof(options));
        if (o.ShuffleBufferRows < o.ChunkRows) throw new ArgumentException($"ShuffleBufferRows ({o.ShuffleBufferRows}) must be at least ChunkRows ({o.ChunkRows}).", nameof(options));
        if (o.MaxEpochs < 0) throw new ArgumentException($"MaxEpochs must be >= 0 (0 = unlimited), not {o.MaxEpochs}.", nameof(options));
        if (o.HeldOutRows < 0) throw new ArgumentException($"HeldOutRows must be >= 0, not {o.HeldOutRows}.", nameof(options));
        if (!(o.HeldOutFraction >= 0 && o.HeldOutFraction < 1)) throw new ArgumentException($"HeldOutFraction must be in [0, 1), not {o.HeldOutFraction}.", nameof(options));
        if (o.HeldOutRows > 0 && o.HeldOutFraction > 0) throw new ArgumentException("Give HeldOutRows or HeldOutFraction, not both.", nameof(options));
        _source = source;
        _o = o;
        _d = source.Dimension;
        long n = source.RowCount;
        HeldOutRowCount = o.HeldOutRows > 0 ? o.HeldOutRows : (long)Math.Floor(n * o.HeldOutFraction);
        TrainingRowCount = n - HeldOutRowCount;
        if (TrainingRowCount <= 0)
            throw new ArgumentException($"The source has {n} rows and {HeldOutRowCount} are held out: no training rows are left. Hold out fewer rows or extract more.", nameof(options));
        HeldOut = new ActivationSourceSlice(source, TrainingRowCount, HeldOutRowCount);

        _chunkRows = o.ChunkRows;
        _chunksPerGroup = o.ShuffleBufferRows / o.ChunkRows;
        long chunks = (TrainingRowCount + _chunkRows - 1) / _chunkRows;
        if (chunks > Array.MaxLength) throw new ArgumentException($"{chunks} chunks of {_chunkRows} rows are too many; raise ChunkRows.", nameof(options));
        _chunkCount = (int)chunks;
        int bufferRows = (int)Math.Min((long)_chunksPerGroup * _chunkRows, TrainingRowCount);
        if ((long)bufferRows * _d > Array.MaxLength)
            throw new ArgumentException($"A shuffle buffer of {bufferRows} rows x d {_d} exceeds the largest .NET array ({Array.MaxLength} floats); lower ShuffleBufferRows.", nameof(options));
        _buffer = new float[bufferRows * _d];
        _bufferRow = new long[bufferRows];
        _perm = new int[bufferRows];
        _chunkOrder = new int[_chunkCount];
    }

    /// <summary>The options the store was built with.</summary>
    public ActivationStoreOptions Options => _o;
    /// <summary>d.</summary>
    public int Dimension => _d;
    /// <summary>Rows per batch.</summary>
    public int BatchSize => _o.BatchSize;
    /// <summary>T: rows served per epoch (source rows [0, T)).</summary>
    public long TrainingRowCount { get; }
    /// <summary>Rows held out at the end of the source (source rows [T, N)).</summary>
    public long HeldOutRowCount { get; }
    /// <summary>The held-out rows as a source of their own (row 0 = source row T); never served by <see cref="NextBatch(Span{float})"/>.</summary>
    public IActivationSource HeldOut { get; }
    /// <summary>0-based epoch of the next row.</summary>
    public long Epoch => _epoch;
    /// <summary>Rows of the current epoch already served.</summary>
    public long RowInEpoch => _rowInEpoch;
    /// <summary>Training rows served since the start (over all epochs).</summary>
    public long RowsServed => _epoch * TrainingRowCount + _rowInEpoch;
    /// <summary>True when <see cref="ActivationStoreOptions.MaxEpochs"/> epochs have been served.</summary>
    public bool IsExhausted => _o.MaxEpochs > 0 && _epoch >= _o.MaxEpochs;

    /// <summary>
    /// Fills <paramref name="destination"/> (at least B x d floats) with the next B training rows,
    /// row-major. Returns the rows written: B, fewer at the end of the last epoch, 0 when exhausted.
    /// </summary>
    public int NextBatch(Span<float> destination) => NextBatch(destination, Span<long>.Empty);

    /// <summary>
    /// As <see cref="NextBatch(Span{float})"/>, also writing each row's index in the source into
    /// <paramref name="sourceRows"/> (at least B entries) unless it is empty.
    /// </summary>
    public int NextBatch(Span<float> destination, Span<long> sourceRows) => Next(_o.BatchSize, destination, sourceRows);

    /// <summary>
    /// Fills <paramref name="destination"/> with the next <paramref name="rows"/> training rows (any count;
    /// the stream does not depend on how it is cut into batches). Returns the rows written.
    /// </summary>
    public int Next(int rows, Span<float> destination, Span<long> sourceRows = default)
    {
        int b = rows, d = _d;
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (destination.Length < (long)b * d)
            throw new ArgumentException($"The batch buffer holds {destination.Length} floats; B {b} x d {d} need {(long)b * d}.", nameof(destination));
        if (!sourceRows.IsEmpty && sourceRows.Length < b)
            throw new ArgumentException($"sourceRows holds {sourceRows.Length} entries; B = {b} are needed.", nameof(sourceRows));
        int filled = 0;
        while (filled < b && !IsExhausted)
        {
            EnsureGroup();
            int offset = (int)(_rowInEpoch - _groupStart);
            int n = Math.Min(b - filled, _groupRows - offset);
            var perm = _perm.AsSpan(offset, n);
            var buffer = _buffer.AsSpan();
            for (int k = 0; k < perm.Length; k++)
            {
                int slot = perm[k];
                buffer.Slice(slot * d, d).CopyTo(destination.Slice((filled + k) * d, d));
                if (!sourceRows.IsEmpty) sourceRows[filled + k] = _bufferRow[slot];
            }
            filled += n;
            _rowInEpoch += n;
            if (_rowInEpoch == TrainingRowCount)
            {
                _epoch++;
                _rowInEpoch = 0;
            }
        }
        return filled;
    }

    /// <summary>Reads held-out rows [firstRow, firstRow + count) (0 = source row T) into <paramref name="destination"/>.</summary>
    public void ReadHeldOut(long firstRow, int count, Span<float> destination) => HeldOut.ReadRows(firstRow, count, destination);

    /// <summary>The position after the last served batch, with the configuration it is valid for (see the class remarks).</summary>
    public ActivationStoreState GetState() =>
        new(ActivationStoreState.CurrentVersion, _o.Seed, _o.Shuffle, _epoch, _rowInEpoch, TrainingRowCount, HeldOutRowCount, _o.ShuffleBufferRows, _o.ChunkRows);

    /// <summary>
    /// Continues from <paramref name="state"/> (from <see cref="GetState"/> of a store with the same
    /// source and options): the next batches equal those the saving store would have served.
    /// Throws <see cref="ArgumentException"/> naming the first setting that differs.
    /// </summary>
    public void Restore(ActivationStoreState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var mine = GetState();
        string? diff =
            state.Version != ActivationStoreState.CurrentVersion ? $"state version {state.Version}, this MLSae reads {ActivationStoreState.CurrentVersion}"
            : state.Seed != mine.Seed ? $"seed {state.Seed} saved, {mine.Seed} now"
            : state.Shuffle != mine.Shuffle ? $"shuffle {state.Shuffle} saved, {mine.Shuffle} now"
            : state.TrainingRows != mine.TrainingRows ? $"{state.TrainingRows} training rows saved, {mine.TrainingRows} now (a different source or held-out setting)"
            : state.HeldOutRows != mine.HeldOutRows ? $"{state.HeldOutRows} held-out rows saved, {mine.HeldOutRows} now"
            : state.ShuffleBufferRows != mine.ShuffleBufferRows ? $"shuffle buffer {state.ShuffleBufferRows} rows saved, {mine.ShuffleBufferRows} now"
            : state.ChunkRows != mine.ChunkRows ? $"chunk {state.ChunkRows} rows saved, {mine.ChunkRows} now"
            : state.Epoch < 0 || state.RowInEpoch < 0 || state.RowInEpoch >= state.TrainingRows ? $"position epoch {state.Epoch} row {state.RowInEpoch} is out of range"
            : null;
        if (diff is not null)
            throw new ArgumentException($"Cannot restore the activation store: {diff}. Resume with the same activations and store options as the checkpointed run.", nameof(state));
        _epoch = state.Epoch;
        _rowInEpoch = state.RowInEpoch;
        _group = -1; // rebuilt on the next batch
    }

    /// <summary>Makes the buffer hold the group that contains row <see cref="_rowInEpoch"/> of epoch <see cref="_epoch"/>.</summary>
    void EnsureGroup()
    {
        if (_group >= 0 && _groupEpoch == _epoch && _rowInEpoch >= _groupStart && _rowInEpoch < _groupStart + _groupRows)
            return;
        EnsureOrder(_epoch);
        int g;
        long start;
        if (_group >= 0 && _groupEpoch == _epoch && _rowInEpoch == _groupStart + _groupRows)
        {
            g = _group + 1;
            start = _groupStart + _groupRows;
        }
        else
        {
            // Locate by scanning group sizes (restore, or a new epoch).
            g = 0;
            start = 0;
            while (true)
            {
                long rows = GroupRows(g);
                if (_rowInEpoch < start + rows) break;
                start += rows;
                g++;
            }
        }
        LoadGroup(g);
        _groupStart = start;
    }

    int GroupRows(int g)
    {
        int first = g * _chunksPerGroup, end = Math.Min(first + _chunksPerGroup, _chunkCount);
        long rows = 0;
        for (int i = first; i < end; i++) rows += ChunkLength(_chunkOrder[i]);
        return (int)rows;
    }

    int ChunkLength(int chunk) => (int)Math.Min(_chunkRows, TrainingRowCount - (long)chunk * _chunkRows);

    void EnsureOrder(long epoch)
    {
        if (_orderEpoch == epoch) return;
        for (int i = 0; i < _chunkOrder.Length; i++) _chunkOrder[i] = i;
        if (_o.Shuffle) SplitMix64.ForStream(_o.Seed, epoch, 0).Shuffle(_chunkOrder);
        _orderEpoch = epoch;
    }

    void LoadGroup(int g)
    {
        int first = g * _chunksPerGroup, end = Math.Min(first + _chunksPerGroup, _chunkCount);
        int slot = 0;
        for (int i = first; i < end; i++)
        {
            long start = (long)_chunkOrder[i] * _chunkRows;
            int len = ChunkLength(_chunkOrder[i]);
            _source.ReadRows(start, len, _buffer.AsSpan(slot * _d, len * _d));
            for (int k = 0; k < len; k++) _bufferRow[slot + k] = start + k;
            slot += len;
        }
        var perm = _perm.AsSpan(0, slot);
        for (int i = 0; i < perm.Length; i++) perm[i] = i;
        if (_o.Shuffle) SplitMix64.ForStream(_o.Seed, _epoch, g + 1L).Shuffle(perm);
        _group = g;
        _groupEpoch = _epoch;
        _groupRows = slot;
    }
}
