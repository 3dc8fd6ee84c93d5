using MLSae.Activations.Cache;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Ordering;

namespace MLSae.Browsing;

/// <summary>
/// Builds <see cref="FeatureBrowserData"/> from an SAE and an activation cache: one streaming pass over every row
/// (<see cref="FeatureStatisticsCollector"/>), then a second pass over only the rows inside the kept context windows to
/// get each feature's activation on every shown token (the first pass keeps rows, not codes, so memory stays O(m x k);
/// the second computes one feature per window token from the weights, <see cref="SingleFeatureCodes"/>).
/// </summary>
public static class FeatureBrowserBuilder
{
    /// <summary>Most history snapshots kept per sparkline (evenly spaced, last always kept).</summary>
    public const int MaxHistoryPoints = 48;

    /// <summary>
    /// Computes the browser data. <paramref name="decode"/> turns a token id into display text (null: not decodable);
    /// <paramref name="history"/> is the run's feature history or null; <paramref name="unembedding"/> (a causal LM's W_U, see
    /// <see cref="Unembedding.FromModel"/>) adds each feature's logit effect.
    /// </summary>
    public static FeatureBrowserData Build(SaeWeights weights, ActivationCache cache, FeatureEncoder encode, Func<int, string?> decode,
        FeatureHistory? history, FeatureBrowserOptions? options = null, IProgress<ProgressInfo>? progress = null, Unembedding? unembedding = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(encode);
        ArgumentNullException.ThrowIfNull(decode);
        options ??= new FeatureBrowserOptions();
        decode = Memoize(decode);
        options.Validate();
        CheckCompatible(weights, cache);
        int m = weights.FeatureCount, d = weights.InputDim;
        var notes = new List<string>();
        if (history is not null && history.Steps.Length < 2)
        {
            notes.Add($"The feature history holds {history.Steps.Length} snapshot(s) (training was shorter than one history interval); the sparklines are left out.");
            history = null;
        }
        if (history is not null && history.FeatureCount != m)
        {
            notes.Add($"The feature history has {history.FeatureCount} features but the SAE has {m}; the sparklines are left out.");
            history = null;
        }

        var stats = new FeatureStatisticsCollector(m, options.TopContexts, options.ReservoirSize, options.Seed);
        int b = options.BatchSize;
        var x = new float[(long)b * d];
        var codes = new float[(long)b * m];
        long total = cache.RowCount;
        var single = new SingleFeatureCodes(weights);
        var rowThreshold = single.NeedsRowThreshold ? new float[total] : null;
        for (long first = 0; first < total; first += b)
        {
            int n = (int)Math.Min(b, total - first);
            cache.ReadRows(first, n, x.AsSpan(0, n * d));
            encode(x.AsSpan(0, n * d), n, codes.AsSpan(0, n * m));
            stats.Add(codes, n, first);
            if (rowThreshold is not null)
            {
                long f0 = first;
                Parallel.For(0, n, r => rowThreshold[f0 + r] = single.RowThreshold(codes.AsSpan(r * m, m)));
            }
            progress?.Report(new ProgressInfo(first + n, total, "rows", "statistics"));
        }

        var frequency = new double[m];
        for (int i = 0; i < m; i++) frequency[i] = stats.Frequency(i);
        IReadOnlyList<PrefixCurve> curves = options.PrefixRows == 0 ? [] : PrefixCurves.Compute(weights, cache,
            [("as trained", FeatureOrder.Identity(m)), ("frequency", FeatureOrder.SortDescending(frequency)), ("random", FeatureOrder.Random(m, unchecked((int)options.Seed)))],
            PrefixCurves.LogGrid(m), Math.Min(options.PrefixRows, total), progress);
        var logits = unembedding is null ? null : LogitEffects.Compute(weights, unembedding, options.LogitTokens, decode);

        var norms = DecoderGeometry.Norms(weights);
        var nearest = DecoderGeometry.Nearest(weights, options.Neighbours);
        var contexts = new ContextCollector(cache, options);
        var top = new int[m][];
        var bands = new (QuantileBand Band, int[] Contexts)[m][];
        var tokens = new TokenCount[m][];
        var tokenIds = new int[1];
        for (int i = 0; i < m; i++)
        {
            top[i] = [.. stats.Top(i).Select(t => contexts.Add(i, t.Row, t.Value))];
            var reservoir = stats.Reservoir(i);
            bands[i] = Bands(i, reservoir, options, contexts);
            tokens[i] = TopTokens(cache, reservoir, stats.Count(i), options.TopTokens, decode, tokenIds);
        }
        var built = contexts.Resolve(single, rowThreshold, decode, progress);

        int[]? keep = history is null ? null : HistoryPoints(history.Steps.Length);
        var original = weights.Info.OriginalIndices is { } oi && oi.Length == m ? oi : null;
        var reports = new FeatureReport[m];
        for (int i = 0; i < m; i++)
        {
            int orig = original?[i] ?? i;
            reports[i] = new FeatureReport(i, orig, stats.Count(i), stats.Frequency(i), stats.MeanWhenFiring(i), stats.Max(i), norms[i],
                stats.Histogram(i).ToArray(), [.. top[i].Select(c => built[c])],
                [.. bands[i].Select(q => q.Band with { Samples = [.. q.Contexts.Select(c => built[c])] })],
                tokens[i], nearest[i], keep is null ? null : [.. keep.Select(s => history!.Frequencies[s][orig])],
                DecoderGeometry.Moves(weights.Info, i, m)) { Logits = logits?[i] };
        }
        return new FeatureBrowserData(cache.Manifest.Model is { Length: > 0 } model ? model : weights.Info.ModelName,
            cache.Manifest.Hook is { Length: > 0 } hook ? hook : weights.Info.HookName, d, total, reports,
            keep is null ? null : [.. keep.Select(s => history!.Tokens[s])], notes) { PrefixCurves = curves };
    }

    /// <summary>Refuses a cache whose width, model or hook differs from what the SAE was trained on.</summary>
    public static void CheckCompatible(SaeWeights weights, ActivationCache cache)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(cache);
        if (cache.Dimension != weights.InputDim)
            throw new ArgumentException($"The activation cache '{cache.Directory}' has d = {cache.Dimension} but the SAE reads d = {weights.InputDim}. Use a cache extracted from the SAE's model and hook ({weights.Info.ModelName ?? "unknown model"}, {weights.Info.HookName ?? "unknown hook"}).");
        if (Differs(weights.Info.ModelName, cache.Manifest.Model))
            throw new ArgumentException($"The activation cache '{cache.Directory}' comes from model '{cache.Manifest.Model}' but the SAE was trained on '{weights.Info.ModelName}'. Extract a cache from model '{weights.Info.ModelName}'.");
        if (Differs(weights.Info.HookName, cache.Manifest.Hook))
            throw new ArgumentException($"The activation cache '{cache.Directory}' holds hook '{cache.Manifest.Hook}' but the SAE was trained on '{weights.Info.HookName}'. Extract a cache at hook '{weights.Info.HookName}'.");
    }

    static bool Differs(string? a, string? b) => !string.IsNullOrWhiteSpace(a) && !string.IsNullOrWhiteSpace(b) && !string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Splits the sorted reservoir into equal-rank bands (highest first) and picks evenly spaced samples in each.</summary>
    static (QuantileBand, int[])[] Bands(int feature, (long Row, float Value)[] reservoir, FeatureBrowserOptions o, ContextCollector contexts)
    {
        int n = reservoir.Length, bands = o.QuantileBands;
        var result = new List<(QuantileBand, int[])>(bands);
        for (int q = bands - 1; q >= 0; q--)
        {
            int lo = (int)((long)n * q / bands), hi = (int)((long)n * (q + 1) / bands);
            if (hi <= lo) continue;
            int s = Math.Min(o.SamplesPerBand, hi - lo);
            var picks = new int[s];
            for (int j = 0; j < s; j++)
            {
                var e = reservoir[hi - 1 - (int)((long)(hi - lo) * j / s)];
                picks[j] = contexts.Add(feature, e.Row, e.Value);
            }
            result.Add((new QuantileBand((double)q / bands, (double)(q + 1) / bands, reservoir[lo].Value, reservoir[hi - 1].Value, []), picks));
        }
        return [.. result];
    }

    static TokenCount[] TopTokens(ActivationCache cache, (long Row, float Value)[] reservoir, long firings, int keep, Func<int, string?> decode, int[] scratch)
    {
        if (reservoir.Length == 0 || keep == 0) return [];
        var counts = new Dictionary<int, (int N, double Sum)>();
        foreach (var (row, value) in reservoir)
        {
            cache.ReadTokenIds(row, 1, scratch);
            counts.TryGetValue(scratch[0], out var c);
            counts[scratch[0]] = (c.N + 1, c.Sum + value);
        }
        double scale = (double)firings / reservoir.Length;
        return [.. counts.OrderByDescending(kv => kv.Value.N).ThenByDescending(kv => kv.Value.Sum).ThenBy(kv => kv.Key).Take(keep)
            .Select(kv => new TokenCount(kv.Key, decode(kv.Key), kv.Value.N, kv.Value.N * scale, kv.Value.Sum / kv.Value.N))];
    }

    // Every window token is decoded; one string per vocabulary id instead of one per occurrence (millions at m = 16,384).
    static Func<int, string?> Memoize(Func<int, string?> decode)
    {
        var cache = new Dictionary<int, string?>();
        return id =>
        {
            if (!cache.TryGetValue(id, out var text)) cache[id] = text = decode(id);
            return text;
        };
    }

    /// <summary>Indices of at most <see cref="MaxHistoryPoints"/> snapshots, evenly spaced, always including the last.</summary>
    static int[] HistoryPoints(int snapshots)
    {
        if (snapshots <= MaxHistoryPoints) return [.. Enumerable.Range(0, snapshots)];
        return [.. Enumerable.Range(0, MaxHistoryPoints).Select(j => (int)((long)(snapshots - 1) * j / (MaxHistoryPoints - 1))).Distinct()];
    }
}
