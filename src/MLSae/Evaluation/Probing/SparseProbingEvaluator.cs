using MLSae.Diagnostics;

namespace MLSae.Evaluation.Probing;

/// <summary>
/// Sparse probing (SAEBench procedure on pooled vectors): per binary task, balance the classes,
/// split train/test by seed, pick the k inputs with the largest |mean(pos) - mean(neg)| on the
/// training split, standardise them with training statistics, fit an L2 logistic regression and
/// report test accuracy; done on SAE codes and, for comparison, on raw activations.
/// </summary>
public sealed class SparseProbingEvaluator
{
    readonly SparseProbingOptions _options;

    /// <summary>Creates an evaluator with <paramref name="options"/>.</summary>
    public SparseProbingEvaluator(SparseProbingOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>Runs every task on <paramref name="data"/>; progress counts tasks.</summary>
    public SparseProbingResult Evaluate(PooledProbingData data, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tasks = BuildTasks(data.Labels);
        if (tasks.Count == 0)
            throw new ArgumentException(_options.PositiveClass is { } pc
                ? $"Positive class '{pc}' has fewer than {_options.MinExamplesPerClass} texts (or no negatives). Check the label field and value."
                : $"No class has at least {_options.MinExamplesPerClass} texts and a rest of the same size. Provide more labelled texts.", nameof(data));

        var results = new List<ProbeTaskResult>();
        for (int t = 0; t < tasks.Count; t++)
        {
            var (name, isPositive) = tasks[t];
            results.Add(RunTask(data, name, isPositive, _options.Seed + t));
            progress?.Report(new ProgressInfo(t + 1, tasks.Count, "tasks", name));
        }

        var ks = _options.KValues;
        return new SparseProbingResult
        {
            Tasks = results,
            LlmTestAccuracy = results.Average(r => r.LlmTestAccuracy),
            SaeTestAccuracy = results.Average(r => r.SaeTestAccuracy),
            LlmTopK = ks.Where(k => results.All(r => r.LlmTopK.ContainsKey(k))).ToDictionary(k => k, k => results.Average(r => r.LlmTopK[k])),
            SaeTopK = ks.Where(k => results.All(r => r.SaeTopK.ContainsKey(k))).ToDictionary(k => k, k => results.Average(r => r.SaeTopK[k])),
            Options = _options,
        };
    }

    List<(string Name, bool[] IsPositive)> BuildTasks(string[] labels)
    {
        var tasks = new List<(string, bool[])>();
        var counts = labels.GroupBy(l => l, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        IEnumerable<string> positives = _options.PositiveClass is { } pc ? [pc] : counts.Keys.Order(StringComparer.Ordinal);
        foreach (var label in positives)
        {
            int pos = counts.GetValueOrDefault(label);
            int neg = labels.Length - pos;
            if (Math.Min(pos, neg) < _options.MinExamplesPerClass) continue;
            tasks.Add(($"{label} vs rest", labels.Select(l => string.Equals(l, label, StringComparison.Ordinal)).ToArray()));
        }
        return tasks;
    }

    ProbeTaskResult RunTask(PooledProbingData data, string name, bool[] isPositive, int seed)
    {
        var rng = new Random(seed);
        var pos = Enumerable.Range(0, isPositive.Length).Where(i => isPositive[i]).ToArray();
        var neg = Enumerable.Range(0, isPositive.Length).Where(i => !isPositive[i]).ToArray();
        rng.Shuffle(pos);
        rng.Shuffle(neg);
        int perClass = Math.Min(Math.Min(pos.Length, neg.Length), _options.MaxExamplesPerClass);
        int testPerClass = Math.Clamp((int)Math.Round(perClass * _options.TestFraction), 1, perClass - 1);
        int trainPerClass = perClass - testPerClass;
        int[] train = [.. pos.AsSpan(testPerClass, trainPerClass), .. neg.AsSpan(testPerClass, trainPerClass)];
        int[] test = [.. pos.AsSpan(0, testPerClass), .. neg.AsSpan(0, testPerClass)];

        var llmTopK = new Dictionary<int, double>();
        var saeTopK = new Dictionary<int, double>();
        var saeLatents = new Dictionary<int, int[]>();
        var rawRanking = RankByMeanDifference(data.Raw, data.RawDimension, train, isPositive);
        var codeRanking = RankByMeanDifference(data.Codes, data.CodeDimension, train, isPositive);
        foreach (var k in _options.KValues)
        {
            if (k <= data.RawDimension) llmTopK[k] = ProbeAccuracy(data.Raw, data.RawDimension, rawRanking[..k], train, test, isPositive);
            if (k <= data.CodeDimension)
            {
                saeTopK[k] = ProbeAccuracy(data.Codes, data.CodeDimension, codeRanking[..k], train, test, isPositive);
                saeLatents[k] = codeRanking[..k];
            }
        }
        double llmAll = data.RawDimension <= _options.MaxFullProbeWidth
            ? ProbeAccuracy(data.Raw, data.RawDimension, Enumerable.Range(0, data.RawDimension).ToArray(), train, test, isPositive) : double.NaN;
        double saeAll = data.CodeDimension <= _options.MaxFullProbeWidth
            ? ProbeAccuracy(data.Codes, data.CodeDimension, Enumerable.Range(0, data.CodeDimension).ToArray(), train, test, isPositive) : double.NaN;
        return new ProbeTaskResult
        {
            Name = name, TrainPerClass = trainPerClass, TestPerClass = testPerClass,
            LlmTestAccuracy = llmAll, SaeTestAccuracy = saeAll,
            LlmTopK = llmTopK, SaeTopK = saeTopK, SaeTopKLatents = saeLatents,
        };
    }

    /// <summary>Input indices ordered by |mean over positive training rows - mean over negative training rows|, largest first (ties: lower index).</summary>
    internal static int[] RankByMeanDifference(float[] x, int width, int[] train, bool[] isPositive)
    {
        var sumPos = new double[width];
        var sumNeg = new double[width];
        int nPos = 0, nNeg = 0;
        foreach (var i in train)
        {
            var row = x.AsSpan(i * width, width);
            var acc = isPositive[i] ? sumPos : sumNeg;
            if (isPositive[i]) nPos++; else nNeg++;
            for (int j = 0; j < width; j++) acc[j] += row[j];
        }
        var score = new double[width];
        for (int j = 0; j < width; j++) score[j] = Math.Abs(sumPos[j] / Math.Max(1, nPos) - sumNeg[j] / Math.Max(1, nNeg));
        var order = Enumerable.Range(0, width).ToArray();
        Array.Sort(order, (a, b) => score[b] != score[a] ? score[b].CompareTo(score[a]) : a.CompareTo(b));
        return order;
    }

    double ProbeAccuracy(float[] x, int width, int[] features, int[] train, int[] test, bool[] isPositive) =>
        StandardizedProbe.Fit(x, width, features, train, isPositive, _options.L2).Accuracy(x, width, test, isPositive);
}
