using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using MLSae.Diagnostics;

namespace MLSae.Activations;

/// <summary>
/// Extraction as three stages joined by bounded queues. A reader thread tokenises and packs, cuts the contexts into
/// corpus batches (one chunk each), lays out each chunk's rows, and plans the runs of a window of
/// <see cref="ExtractionOptions.SortWindow"/> batches: their contexts sorted by length, so each run is only as wide as
/// its own longest context instead of carrying the padding of the corpus batch's. A model thread runs a window and
/// copies each context's rows into its chunk. The calling thread hands the chunks to the sink in corpus order and
/// reports progress. The chunks, counts and summary are those of <see cref="SequentialExtraction"/>; a context's
/// activations do not depend on which run it shares (tested bit for bit on the cache, see docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Bounded so memory stays flat: one planned window waits for the model (ids only) and <see cref="OutputDepth"/>
/// chunks wait for the sink, besides the window being run, whose chunks' activations are allocated when it starts
/// (SortWindow x BatchSize x ContextLength x d floats at most: 94 MB for MiniLM at the defaults and 93% of the slots
/// stored). Allocating them a window ahead on the reader would take their page faults off the model thread but hold
/// two or three windows at once. Errors travel down the stages
/// in order: a failure while reading still writes every batch closed before it, as the sequential loop does; a
/// failure of the model loses the window it was running (a resumed extraction redoes it). The sink is only ever
/// called from the calling thread.
/// </remarks>
internal sealed class ExtractionPipeline(ActivationExtractor extractor, ExtractionProfile? profile)
{
    /// <summary>Chunks waiting for the sink.</summary>
    public const int OutputDepth = 2;

    /// <summary>What a finished (or stopped) run adds up to; all of it follows from the packed contexts.</summary>
    sealed record Totals(long Documents, long Contexts, long Stored, long Special, long Padding, bool Stopped);

    /// <summary>Reader to model: corpus batches and the runs that compute them; the last one carries the totals; or a failure.</summary>
    sealed record Window(List<CorpusBatch> Batches, List<ExtractionBatch> Runs, Totals? End, ExceptionDispatchInfo? Error = null);

    /// <summary>Model to writer: a chunk with the stored total after it, the end, or a failure.</summary>
    sealed record Output(ActivationChunk? Chunk, long Documents, long Stored, Totals? End, ExceptionDispatchInfo? Error = null);

    public ExtractionSummary Run(IEnumerable<TextDocument> documents, Action<ActivationChunk> write, IProgress<ProgressInfo>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var windows = new BlockingCollection<Window>(1);
        using var chunks = new BlockingCollection<Output>(OutputDepth);
        var token = stop.Token;
        // Started without the token: a task cancelled before it starts would fault the join below instead of ending quietly.
        var reader = Task.Factory.StartNew(() => Read(documents, windows, token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var model = Task.Factory.StartNew(() => RunModel(windows, chunks, token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        long max = extractor.Options.MaxTokens;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long t = ExtractionProfile.Now;
                var m = chunks.Take(token);
                if (profile is not null) profile.WriterWaitedForModel += ExtractionProfile.Since(t);
                m.Error?.Throw();
                if (m.End is { } end)
                {
                    if (end.Stored == 0) throw ActivationExtractor.NothingStored(end.Documents);
                    Report(end.Stored, end.Documents);
                    if (profile is not null) profile.Wall += clock.ElapsedTicks;
                    return extractor.Summary(end.Documents, end.Contexts, end.Stored, end.Special, end.Padding, end.Stopped, clock.Elapsed);
                }
                t = ExtractionProfile.Now;
                if (m.Chunk!.Rows > 0) write(m.Chunk);
                if (profile is not null) profile.Write += ExtractionProfile.Since(t);
                Report(m.Stored, m.Documents);
            }
        }
        finally
        {
            // Stops the other stages wherever they wait; they never throw, and nothing touches the session once this returns.
            stop.Cancel();
            Task.WaitAll(reader, model);
        }

        void Report(long stored, long documentsRead)
        {
            if (progress is null) return;
            long t = ExtractionProfile.Now;
            progress.Report(new ProgressInfo(stored, max, "tokens", $"{documentsRead:N0} docs"));
            if (profile is not null) profile.Progress += ExtractionProfile.Since(t);
        }
    }

    /// <summary>Reader stage: documents to planned windows, the last with the totals (or a failure).</summary>
    void Read(IEnumerable<TextDocument> documents, BlockingCollection<Window> windows, CancellationToken token)
    {
        var o = extractor.Options;
        var window = new List<CorpusBatch>(o.SortWindow);
        try
        {
            long max = o.MaxTokens, stored = 0, special = 0, padding = 0, contexts = 0;
            bool stopped = false;
            var packer = extractor.NewPacker();
            var current = new List<PackedContext>(o.BatchSize);
            using (var e = packer.Pack(documents).GetEnumerator())
            {
                while (true)
                {
                    long t = ExtractionProfile.Now;
                    bool more = e.MoveNext();
                    if (profile is not null) profile.Tokenise += ExtractionProfile.Since(t);
                    if (!more) break;
                    token.ThrowIfCancellationRequested();
                    current.Add(e.Current);
                    if (current.Count < o.BatchSize) continue;
                    stopped = Close(packer.Documents);
                    if (stopped) break;
                }
            }
            if (!stopped && current.Count > 0) stopped = Close(packer.Documents);
            Send(new Totals(packer.Documents, contexts, stored, special, padding, stopped));

            // Ends the corpus batch being filled; true when it reaches MaxTokens.
            bool Close(long documentsRead)
            {
                long t = ExtractionProfile.Now;
                var batch = new CorpusBatch(current, documentsRead, o.ContextLength, o.IncludeSpecialTokens);
                batch.Plan(max == 0 ? long.MaxValue : max - stored);
                stored += batch.Rows;
                special += batch.Special;
                padding += batch.Padding;
                contexts += current.Count;
                batch.StoredAfter = stored;
                window.Add(batch);
                current = new List<PackedContext>(o.BatchSize);
                if (profile is not null) profile.Fill += ExtractionProfile.Since(t);
                bool reached = max > 0 && stored >= max;
                if (window.Count == o.SortWindow && !reached) Send(null);
                return reached;
            }

            void Send(Totals? end)
            {
                long t = ExtractionProfile.Now;
                var runs = PlanRuns(window, o.BatchSize, o.ContextLength, sort: o.SortWindow > 1);
                if (profile is not null) profile.Fill += ExtractionProfile.Since(t);
                windows.Add(new Window(window, runs, end), token);
                window = new List<CorpusBatch>(o.SortWindow);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        catch (Exception e)
        {
            // The batches closed before the failure are still written, as the sequential loop writes them.
            var error = ExceptionDispatchInfo.Capture(e);
            if (window.Count > 0)
            {
                try { Forward(windows, new Window(window, PlanRuns(window, o.BatchSize, o.ContextLength, o.SortWindow > 1), null), token); }
                catch (Exception) { } // planning itself failed: the error below is what counts
            }
            Forward(windows, new Window([], [], null, error), token);
        }
    }

    /// <summary>
    /// The runs that compute a window: its contexts (those with rows to store) longest first, stable, cut into runs
    /// of <paramref name="batchSize"/>; without <paramref name="sort"/>, one run per corpus batch as the sequential loop.
    /// </summary>
    internal static List<ExtractionBatch> PlanRuns(List<CorpusBatch> window, int batchSize, int contextLength, bool sort)
    {
        var order = new List<(CorpusBatch Batch, int Index)>();
        var runs = new List<ExtractionBatch>();
        foreach (var batch in window)
        {
            for (int i = 0; i < batch.Contexts.Count; i++)
                if (batch.RowsOf(i) > 0) order.Add((batch, i));
            if (!sort) Cut(order);
        }
        if (sort) Cut([.. order.OrderByDescending(x => x.Batch.Contexts[x.Index].Filled)]);   // OrderBy is stable
        return runs;

        void Cut(List<(CorpusBatch Batch, int Index)> contexts)
        {
            for (int start = 0; start < contexts.Count; start += batchSize)
            {
                var run = new ExtractionBatch(batchSize, contextLength);
                for (int k = start; k < Math.Min(contexts.Count, start + batchSize); k++)
                {
                    run.Contexts.Add(contexts[k].Batch.Contexts[contexts[k].Index]);
                    run.Sources.Add(contexts[k]);
                }
                run.Fill();
                runs.Add(run);
            }
            contexts.Clear();
        }
    }

    /// <summary>Model stage: runs each window, copies the rows into its chunks and sends them on in corpus order.</summary>
    void RunModel(BlockingCollection<Window> windows, BlockingCollection<Output> chunks, CancellationToken token)
    {
        try
        {
            var output = extractor.RentOutput();
            try { Run(output); }
            finally { extractor.ReturnOutput(output); }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        catch (Exception e)
        {
            Forward(chunks, new Output(null, 0, 0, null, ExceptionDispatchInfo.Capture(e)), token);
        }

        void Run(float[] output)
        {
            int d = extractor.Dimension;
            while (true)
            {
                long t = ExtractionProfile.Now;
                var window = windows.Take(token);
                if (profile is not null) profile.ModelWaitedForInput += ExtractionProfile.Since(t);
                if (window.Error is not null)
                {
                    chunks.Add(new Output(null, 0, 0, null, window.Error), token);
                    return;
                }
                foreach (var batch in window.Batches) batch.AllocateActivations(d);
                foreach (var run in window.Runs)
                {
                    t = ExtractionProfile.Now;
                    extractor.Forward(run, output);
                    if (profile is not null) { profile.Forward += ExtractionProfile.Since(t); t = ExtractionProfile.Now; }
                    int width = run.Width;
                    for (int j = 0; j < run.Sources.Count; j++)
                    {
                        var (batch, index) = run.Sources[j];
                        batch.Copy(index, output.AsSpan(j * width * d, width * d), d);
                    }
                    if (profile is not null)
                    {
                        profile.Gather += ExtractionProfile.Since(t);
                        profile.Batches++;
                        profile.Slots += (long)run.Contexts.Count * width;
                    }
                }
                t = ExtractionProfile.Now;
                foreach (var batch in window.Batches)
                {
                    if (profile is not null) profile.Rows += batch.Rows;
                    chunks.Add(new Output(batch.ToChunk(d), batch.DocumentsRead, batch.StoredAfter, null), token);
                }
                if (window.End is { } end)
                {
                    chunks.Add(new Output(null, end.Documents, end.Stored, end), token);
                    return;
                }
                if (profile is not null) profile.ModelWaitedForWriter += ExtractionProfile.Since(t);
            }
        }
    }

    static void Forward<T>(BlockingCollection<T> queue, T message, CancellationToken token)
    {
        try { queue.Add(message, token); }
        catch (OperationCanceledException) { } // the writer already stopped; nobody waits for the message
    }
}
