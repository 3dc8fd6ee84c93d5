using MLSae.Diagnostics;

namespace MLSae.Evaluation.Concepts;

/// <summary>
/// Targeted probe perturbation as SAEBench runs it (scr_and_tpp/main.py with perform_scr = False): one probe per
/// class (the class's texts against as many texts sampled from the other classes), the latents each probe's
/// attribution picks (<see cref="LatentAttribution"/>, positive-class effects), and for every class i and n the
/// accuracy of every probe j with class i's n latents ablated. The score is probe i's drop minus the mean drop
/// of the probes j != i (<see cref="ConceptScores.Tpp"/>), averaged over classes. Negatives are sampled once per
/// class with the seed, so the clean and ablated accuracies are measured on the same texts.
/// </summary>
public sealed class TppEvaluator
{
    readonly TppOptions _options;

    /// <summary>Creates an evaluator with <paramref name="options"/>.</summary>
    public TppEvaluator(TppOptions? options = null) => _options = (options ?? new TppOptions()).Validated();

    /// <summary>Runs TPP on <paramref name="data"/>, whose first label column (named <paramref name="column"/>) is the class.</summary>
    public TppResult Evaluate(ConceptData data, string column, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var nValues = ConceptEvalDefaults.Resolve(_options.NValues, data.Sae.FeatureCount, "TppOptions.NValues");
        var present = data.Labels.Select(l => l[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var classes = _options.Classes ?? present;
        foreach (var c in classes)
            if (!present.Contains(c, StringComparer.Ordinal))
                throw new ArgumentException($"TPP: class '{c}' does not occur in label column '{column}' (values: {string.Join(", ", present.Take(20).Select(v => $"'{v}'"))}).", nameof(data));
        if (classes.Length < 2) throw new ArgumentException($"TPP: label column '{column}' holds {classes.Length} class(es); at least 2 are needed.", nameof(data));
        int trainPos = _options.TrainSetSize / 2, testPos = _options.TestSetSize / 2;

        var rng = new Random(_options.Seed);
        var train = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var test = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var c in classes)
        {
            var rows = Enumerable.Range(0, data.Count).Where(r => data.Labels[r][0] == c).ToArray();
            if (rows.Length < trainPos + testPos)
                throw new ArgumentException($"TPP: class '{c}' of label column '{column}' has {rows.Length} texts; {trainPos + testPos} are needed (TrainSetSize/2 = {trainPos} + TestSetSize/2 = {testPos}). Add texts, drop the class from TppOptions.Classes or lower the set sizes.", nameof(data));
            rng.Shuffle(rows);
            test[c] = rows[..testPos];
            train[c] = rows[testPos..(testPos + trainPos)];
        }
        var tasks = classes.Select(c => new ConceptProbeTask(c, train[c], Negatives(train, c, trainPos, rng), test[c], Negatives(test, c, testPos, rng))).ToArray();

        int d = data.Sae.InputDim, k = classes.Length, steps = k + k * nValues.Length, done = 0;
        void Step(string what) => progress?.Report(new ProgressInfo(++done, steps, "steps", what));
        var probes = tasks.Select(t => { var p = t.Fit(data, _options.L2); Step($"probe {t.Name}"); return p; }).ToArray();
        var clean = tasks.Select((t, j) => t.Accuracy(probes[j], data.Raw, data.Count, d)).ToArray();
        var testRows = tasks.SelectMany(t => t.Test).Distinct().ToArray();

        var results = new List<TppClassResult>();
        for (int i = 0; i < k; i++)
        {
            var effects = LatentAttribution.Effects(data, probes[i].InputSpaceWeights(d), tasks[i].TrainPositive, tasks[i].TrainNegative, absolute: false);
            var intended = new Dictionary<int, double>();
            var unintended = new Dictionary<int, double>();
            var total = new Dictionary<int, double>();
            var latents = new Dictionary<int, int[]>();
            foreach (var n in nValues)
            {
                latents[n] = LatentAttribution.Top(effects, n);
                var edited = ConceptAblation.Ablate(data, latents[n], testRows);
                var ablated = tasks.Select((t, j) => t.Accuracy(probes[j], edited, data.Count, d)).ToArray();
                (intended[n], unintended[n], total[n]) = ConceptScores.Tpp(i, clean, ablated);
                Step($"ablate {classes[i]}, n = {n}");
            }
            results.Add(new TppClassResult { Class = classes[i], CleanAccuracy = clean[i], IntendedDiff = intended, UnintendedDiff = unintended, TotalMetric = total, Latents = latents });
        }
        Dictionary<int, double> Mean(Func<TppClassResult, IReadOnlyDictionary<int, double>> pick) => nValues.ToDictionary(n => n, n => results.Average(r => pick(r)[n]));
        return new TppResult
        {
            Column = column, Classes = results,
            TotalMetric = Mean(r => r.TotalMetric), IntendedDiff = Mean(r => r.IntendedDiff), UnintendedDiff = Mean(r => r.UnintendedDiff),
            TrainPerClass = trainPos, TestPerClass = testPos, Options = _options with { NValues = nValues, Classes = classes },
        };
    }

    // As many rows as the class has, drawn without replacement from the other classes' rows of the same split.
    static int[] Negatives(Dictionary<string, int[]> split, string positive, int count, Random rng)
    {
        var others = split.Where(kv => kv.Key != positive).SelectMany(kv => kv.Value).ToArray();
        rng.Shuffle(others);
        return others[..Math.Min(count, others.Length)];
    }
}
