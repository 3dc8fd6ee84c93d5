using MLSae.Diagnostics;

namespace MLSae.Evaluation.Concepts;

/// <summary>
/// Spurious correlation removal as SAEBench runs it (scr_and_tpp/main.py and dataset_creation.py): texts carry two
/// binary attributes A and B. Each attribute's texts are split into the four quadrants (A+B+, A+B-, A-B+, A-B-),
/// shuffled with the seed; the test split is taken first. With q texts per quadrant, the A probe trains on
/// A+ (q from A+B+, q from A+B-) against A- (q from A-B+, q from A-B-), the B probe likewise, and the biased probe
/// on 2q A+B+ against 2q A-B- texts, where A and B are perfectly correlated. Direction 1 ablates the n latents
/// the B probe's attribution picks (<see cref="LatentAttribution"/>, |effect|) and measures the biased probe on A's
/// balanced test data; direction 2 the reverse. Probes read mean-pooled hook activations, and the ablation edits
/// those activations with the SAE error kept, as SAEBench's probes read the layer the SAE sits at.
/// </summary>
public sealed class ScrEvaluator
{
    readonly ScrOptions _options;

    /// <summary>Creates an evaluator with <paramref name="options"/>.</summary>
    public ScrEvaluator(ScrOptions? options = null) => _options = (options ?? new ScrOptions()).Validated();

    /// <summary>
    /// Runs SCR on <paramref name="data"/>, whose label columns are (A, B) named <paramref name="columnA"/> and
    /// <paramref name="columnB"/> (for messages and the JSON); progress counts the probes and ablations done.
    /// </summary>
    public ScrResult Evaluate(ConceptData data, string columnA, string columnB, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Labels.Any(l => l.Length < 2)) throw new ArgumentException("SCR needs two label columns per text (A and B).", nameof(data));
        var nValues = ConceptEvalDefaults.Resolve(_options.NValues, data.Sae.FeatureCount, "ScrOptions.NValues");
        var a = BinaryValues(data, 0, columnA, _options.PositiveA);
        var b = BinaryValues(data, 1, columnB, _options.PositiveB);
        int qTrain = _options.TrainSetSize / 4, qTest = _options.TestSetSize / 4;

        // Quadrant index: 0 = A+B+, 1 = A+B-, 2 = A-B+, 3 = A-B-.
        var quadrants = new List<int>[4];
        for (int k = 0; k < 4; k++) quadrants[k] = [];
        for (int r = 0; r < data.Count; r++)
            quadrants[(data.Labels[r][0] == a.Positive ? 0 : 2) + (data.Labels[r][1] == b.Positive ? 0 : 1)].Add(r);
        string QuadrantName(int k) => $"{columnA}={(k < 2 ? a.Positive : a.Negative)}, {columnB}={(k % 2 == 0 ? b.Positive : b.Negative)}";
        var rng = new Random(_options.Seed);
        var test = new int[4][];
        var train = new int[4][];
        for (int k = 0; k < 4; k++)
        {
            // The correlated quadrants feed the biased sets with 2q texts each; the others q.
            int factor = k is 0 or 3 ? 2 : 1, need = factor * (qTrain + qTest);
            if (quadrants[k].Count < need)
                throw new ArgumentException($"SCR: {QuadrantName(k)} has {quadrants[k].Count} texts; {need} are needed ({factor} x (TrainSetSize/4 = {qTrain} + TestSetSize/4 = {qTest})). Add texts or lower ScrOptions.TrainSetSize / TestSetSize.", nameof(data));
            var rows = quadrants[k].ToArray();
            rng.Shuffle(rows);
            test[k] = rows[..(factor * qTest)];
            train[k] = rows[(factor * qTest)..(factor * (qTest + qTrain))];
        }
        ConceptProbeTask MakeTask(string name, Func<int[][], int, (int[] Pos, int[] Neg)> pick) =>
            new(name, pick(train, qTrain).Pos, pick(train, qTrain).Neg, pick(test, qTest).Pos, pick(test, qTest).Neg);
        var taskA = MakeTask(columnA, (s, q) => ([.. s[0][..q], .. s[1][..q]], [.. s[2][..q], .. s[3][..q]]));
        var taskB = MakeTask(columnB, (s, q) => ([.. s[0][..q], .. s[2][..q]], [.. s[1][..q], .. s[3][..q]]));
        var biased = MakeTask($"{columnA} x {columnB}", (s, q) => (s[0][..(2 * q)], s[3][..(2 * q)]));

        int steps = 3 + 2 * nValues.Length, done = 0;
        void Step(string what) => progress?.Report(new ProgressInfo(++done, steps, "steps", what));
        int d = data.Sae.InputDim;
        var probeA = taskA.Fit(data, _options.L2); Step($"{columnA} probe");
        var probeB = taskB.Fit(data, _options.L2); Step($"{columnB} probe");
        var probeBiased = biased.Fit(data, _options.L2); Step("biased probe");

        ScrDirection Direction(int number, ConceptProbeTask ablatedTask, Probing.StandardizedProbe ablatedProbe, ConceptProbeTask measuredTask, Probing.StandardizedProbe oracle)
        {
            var effects = LatentAttribution.Effects(data, ablatedProbe.InputSpaceWeights(d), ablatedTask.TrainPositive, ablatedTask.TrainNegative, absolute: true);
            double original = measuredTask.Accuracy(probeBiased, data.Raw, data.Count, d);
            double oracleAccuracy = measuredTask.Accuracy(oracle, data.Raw, data.Count, d);
            var ablated = new Dictionary<int, double>();
            var scores = new Dictionary<int, double>();
            var latents = new Dictionary<int, int[]>();
            foreach (var n in nValues)
            {
                latents[n] = LatentAttribution.Top(effects, n);
                var edited = ConceptAblation.Ablate(data, latents[n], measuredTask.Test);
                ablated[n] = measuredTask.Accuracy(probeBiased, edited, data.Count, d);
                scores[n] = ConceptScores.Scr(ablated[n], original, oracleAccuracy);
                Step($"direction {number}, n = {n}");
            }
            return new ScrDirection
            {
                Number = number, AblatedColumn = ablatedTask.Name, MeasuredColumn = measuredTask.Name,
                OriginalAccuracy = original, OracleAccuracy = oracleAccuracy, AblatedAccuracy = ablated, Scores = scores, Latents = latents,
            };
        }

        var dir1 = Direction(1, taskB, probeB, taskA, probeA);
        var dir2 = Direction(2, taskA, probeA, taskB, probeB);
        return new ScrResult
        {
            ColumnA = columnA, ColumnB = columnB, ValuesA = a, ValuesB = b, Dir1 = dir1, Dir2 = dir2,
            MetricDirection = ConceptScores.ScrMetricDirection(dir1.OriginalAccuracy, dir2.OriginalAccuracy),
            TrainPerQuadrant = qTrain, TestPerQuadrant = qTest, Options = _options with { NValues = nValues },
        };
    }

    static (string Positive, string Negative) BinaryValues(ConceptData data, int column, string name, string? positive)
    {
        var values = data.Labels.Select(l => l[column]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (values.Length != 2)
            throw new ArgumentException($"SCR: label column '{name}' must hold exactly two values; it holds {values.Length} ({string.Join(", ", values.Take(10).Select(v => $"'{v}'"))}{(values.Length > 10 ? ", ..." : "")}).", nameof(data));
        if (positive is null) return (values[0], values[1]);
        if (!values.Contains(positive, StringComparer.Ordinal))
            throw new ArgumentException($"SCR: positive value '{positive}' does not occur in label column '{name}' (values: '{values[0]}', '{values[1]}').", nameof(data));
        return (positive, values.First(v => v != positive));
    }
}
