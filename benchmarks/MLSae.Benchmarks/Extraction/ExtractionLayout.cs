using MLSae.Activations;
using MLSae.Onnx;

namespace MLSae.Benchmarks.Extraction;

/// <summary>
/// `--width-invariance [THREADS] [HOOK]`: whether a context's activations depend on the run it shares. The first 96
/// Moby-Dick contexts run in batches of 32 as packed; then random subsets of 1-32 of them (other companions, other
/// widths, other batch sizes) run again, and each context's rows are compared bit for bit. The length-sorted pipeline
/// (ExtractionOptions.SortWindow) writes the same bytes as corpus-order batches only because they all are equal.
/// </summary>
static class WidthInvariance
{
    // Runs each context of the first batches inside other batches (other companions, widths, batch sizes) and counts bit-equal rows.
    public static int Run(string[] args)
    {
        var model = ModelSources.Resolve(MiniLmResources.Name);
        int threads = args.Length > 0 ? int.Parse(args[0]) : 0;
        var options = new ExtractionOptions { BatchSize = 32, Execution = new OnnxExecutionOptions { PreferCuda = false, IntraOpThreads = threads } };
        using var x = new ActivationExtractor(model, args.Length > 1 ? args[1] : "blocks.3.hook_resid_post", options);
        var docs = CorpusReader.Read(ExtractionTiming.FindData("moby-dick.txt"));
        var all = x.NewPacker().Pack(docs).Take(96).ToList();
        var reference = x.NewOutput();
        var other = x.NewOutput();
        int d = x.Dimension;
        var rng = new Random(1);
        int trials = 0, equal = 0; double maxDiff = 0;
        for (int start = 0; start < all.Count; start += 32)
        {
            var batch = x.NewBatch();
            foreach (var c in all.Skip(start).Take(32)) batch.Contexts.Add(c);
            batch.Fill();
            x.Forward(batch, reference);
            int t = batch.Width;
            for (int trial = 0; trial < 12; trial++)
            {
                // a random subset of the batch plus random other contexts, shuffled
                int n = rng.Next(1, 33);
                var pick = Enumerable.Range(0, all.Count).OrderBy(_ => rng.Next()).Take(n).ToList();
                var b2 = x.NewBatch();
                foreach (var i in pick) b2.Contexts.Add(all[i]);
                b2.Fill();
                x.Forward(b2, other);
                for (int j = 0; j < pick.Count; j++)
                {
                    int g = pick[j];
                    if (g < start || g >= start + 32) continue;
                    int b = g - start;
                    var ctx = all[g];
                    bool eq = true;
                    for (int p = 0; p < ctx.Filled; p++)
                        for (int k = 0; k < d; k++)
                        {
                            float a = reference[(b * t + p) * d + k], o = other[(j * b2.Width + p) * d + k];
                            if (BitConverter.SingleToInt32Bits(a) != BitConverter.SingleToInt32Bits(o)) { eq = false; maxDiff = Math.Max(maxDiff, Math.Abs(a - o)); }
                        }
                    trials++;
                    if (eq) equal++;
                }
            }
        }
        Console.WriteLine($"{trials} (context, other batch) pairs: {equal} bit-equal; max diff {maxDiff:G3}; widths of contexts: {string.Join(",", all.Select(c => c.Filled).Distinct().Order())}");
        return 0;
    }
}

/// <summary>
/// `--window-slots FILE...`: for the first 3,000 contexts of each corpus (batch 32, context 128), the share of the slots
/// run that hold stored tokens when the contexts of 1, 2, 4, ... 64 batches are sorted by length before they run.
/// </summary>
static class WindowSlots
{
    public static int Run(string[] args)
    {
        var model = ModelSources.Resolve(MiniLmResources.Name);
        using var x = new ActivationExtractor(model, "blocks.0.hook_resid_pre", new ExtractionOptions { BatchSize = 32, Execution = new OnnxExecutionOptions { PreferCuda = false } });
        foreach (var file in args)
        {
            var widths = x.NewPacker().Pack(CorpusReader.Read(file)).Take(3000).Select(c => (c.Filled, Stored: c.DocumentIds.Count(i => i >= 0))).ToList();
            long stored = widths.Sum(w => (long)w.Stored);
            foreach (int window in new[] { 1, 2, 4, 8, 16, 64 })
            {
                long slots = 0;
                for (int s = 0; s < widths.Count; s += 32 * window)
                {
                    var win = widths.Skip(s).Take(32 * window).Select(w => w.Filled).OrderDescending().ToList();
                    for (int b = 0; b < win.Count; b += 32) slots += (long)win.Skip(b).Take(32).Count() * win[b];
                }
                Console.WriteLine($"{Path.GetFileName(file)} window {window}: {widths.Count} contexts, stored {stored:N0} of {slots:N0} slots = {100.0 * stored / slots:F1}%");
            }
        }
        return 0;
    }
}
