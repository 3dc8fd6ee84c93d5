using System.Diagnostics;
using MLSae.Diagnostics;

namespace MLSae.Activations;

/// <summary>
/// Extraction one batch at a time on the calling thread: pack a batch, run it, gather, write, repeat. The
/// reference for <see cref="ExtractionPipeline"/> (whose chunks, counts and summary must equal these) and the
/// baseline of the benchmarks' timing mode.
/// </summary>
internal static class SequentialExtraction
{
    public static ExtractionSummary Run(ActivationExtractor extractor, IEnumerable<TextDocument> documents, Action<ActivationChunk> write,
        IProgress<ProgressInfo>? progress = null, ExtractionProfile? profile = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var packer = extractor.NewPacker();
        var batch = extractor.NewBatch();
        var output = extractor.NewOutput();
        long stored = 0, special = 0, padding = 0, contexts = 0;
        long max = extractor.Options.MaxTokens;
        bool stopped = false;
        using (var e = packer.Pack(documents).GetEnumerator())
        {
            while (true)
            {
                long t0 = ExtractionProfile.Now;
                bool more = e.MoveNext();
                if (profile is not null) profile.Tokenise += ExtractionProfile.Since(t0);
                if (!more) break;
                cancellationToken.ThrowIfCancellationRequested();
                batch.Contexts.Add(e.Current);
                if (!batch.IsFull) continue;
                stopped = Flush();
                if (stopped) break;
            }
        }
        if (!stopped && batch.Contexts.Count > 0) stopped = Flush();
        if (stored == 0) throw ActivationExtractor.NothingStored(packer.Documents);
        Report(packer.Documents);
        if (profile is not null) profile.Wall += clock.ElapsedTicks;
        return extractor.Summary(packer.Documents, contexts, stored, special, padding, stopped, clock.Elapsed);

        bool Flush()
        {
            long t = ExtractionProfile.Now;
            batch.Fill();
            if (profile is not null) { profile.Fill += ExtractionProfile.Since(t); t = ExtractionProfile.Now; }
            extractor.Forward(batch, output);
            if (profile is not null) { profile.Forward += ExtractionProfile.Since(t); t = ExtractionProfile.Now; }
            var chunk = extractor.Gather(batch, output, max == 0 ? long.MaxValue : max - stored, ref special, ref padding);
            if (profile is not null)
            {
                profile.Gather += ExtractionProfile.Since(t);
                profile.Batches++;
                profile.Slots += (long)batch.Contexts.Count * batch.Width;
                profile.Rows += chunk.Rows;
                t = ExtractionProfile.Now;
            }
            contexts += batch.Contexts.Count;
            batch.Clear();
            if (chunk.Rows > 0) write(chunk);
            if (profile is not null) profile.Write += ExtractionProfile.Since(t);
            stored += chunk.Rows;
            Report(packer.Documents);
            return max > 0 && stored >= max;
        }

        void Report(long documentsRead)
        {
            if (progress is null) return;
            long t = ExtractionProfile.Now;
            progress.Report(new ProgressInfo(stored, max, "tokens", $"{documentsRead:N0} docs"));
            if (profile is not null) profile.Progress += ExtractionProfile.Since(t);
        }
    }
}
