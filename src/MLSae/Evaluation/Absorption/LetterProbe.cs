namespace MLSae.Evaluation.Absorption;

/// <summary>
/// The first-letter probe on model activations: one binary logistic regression per letter (one vs
/// rest, as SAEBench's 26-output probe trained with a per-letter BCE). Inputs are standardised with
/// the training rows' mean and standard deviation; each letter minimises, in double precision,
/// sum_i c_i [log(1 + e^{z_i}) - y_i z_i] + (lambda / 2) ||w||^2 with z = w . x_std + b, c_i = #neg / #pos
/// for positives and 1 for negatives when balanced (SAEBench's <c>pos_weight</c>), else 1. It is fitted by
/// L-BFGS: the dense Newton of <see cref="Probing.LogisticRegression"/> costs O(n d^2) per step,
/// too much for 26 letters at d = 384 or 512. Weights are mapped back to raw activation space, so
/// <see cref="Direction"/> is the letter's direction in the hook's space.
/// </summary>
public sealed class LetterProbe
{
    readonly double[][] _w;   // raw space, per letter
    readonly double[] _b;

    LetterProbe(double[][] w, double[] b, int dimension)
    {
        _w = w;
        _b = b;
        Dimension = dimension;
    }

    /// <summary>d.</summary>
    public int Dimension { get; }
    /// <summary>Number of letters (classes).</summary>
    public int Classes => _w.Length;

    /// <summary>Letter <paramref name="letter"/>'s weight vector in raw activation space (its probe direction).</summary>
    public ReadOnlySpan<double> Direction(int letter) => _w[letter];

    /// <summary>The logit w . x + b of <paramref name="letter"/> for a raw activation row; &gt; 0 means the probe says "this letter".</summary>
    public double Score(ReadOnlySpan<float> x, int letter)
    {
        var w = _w[letter];
        double z = _b[letter];
        for (int j = 0; j < w.Length; j++) z += w[j] * x[j];
        return z;
    }

    /// <summary>The letter with the largest logit.</summary>
    public int Predict(ReadOnlySpan<float> x)
    {
        int best = 0;
        double bestZ = double.NegativeInfinity;
        for (int c = 0; c < _w.Length; c++) { double z = Score(x, c); if (z > bestZ) { bestZ = z; best = c; } }
        return best;
    }

    /// <summary>
    /// Fits one probe per class 0..<paramref name="classes"/>-1 on rows <paramref name="train"/> of
    /// <paramref name="x"/> ([rows, d] row-major) with class <paramref name="labels"/>[row].
    /// A class without training rows gets a zero direction and bias -inf (never predicted).
    /// </summary>
    public static LetterProbe Fit(float[] x, int d, int[] labels, int[] train, int classes, double lambda = AbsorptionEvaluatorDefaults.ProbeL2,
        bool balanced = true, int maxIterations = 500)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(train);
        if (train.Length == 0) throw new ArgumentException("The letter probe needs training words.", nameof(train));
        if (!(lambda > 0)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The L2 penalty must be positive.");
        int n = train.Length;
        var mean = new double[d];
        var std = new double[d];
        foreach (var i in train) for (int j = 0; j < d; j++) mean[j] += x[(long)i * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        foreach (var i in train) for (int j = 0; j < d; j++) { double c = x[(long)i * d + j] - mean[j]; std[j] += c * c; }
        for (int j = 0; j < d; j++) { std[j] = Math.Sqrt(std[j] / n); if (!(std[j] > 1e-12)) std[j] = 1; }
        var xs = new double[(long)n * d];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < d; j++) xs[(long)r * d + j] = (x[(long)train[r] * d + j] - mean[j]) / std[j];

        var w = new double[classes][];
        var b = new double[classes];
        var y = new bool[n];
        var weight = new double[n];
        for (int c = 0; c < classes; c++)
        {
            int pos = 0;
            for (int r = 0; r < n; r++) { y[r] = labels[train[r]] == c; if (y[r]) pos++; }
            if (pos == 0) { w[c] = new double[d]; b[c] = double.NegativeInfinity; continue; }
            double posWeight = balanced && pos < n ? (double)(n - pos) / pos : 1;
            for (int r = 0; r < n; r++) weight[r] = y[r] ? posWeight : 1;
            var theta = WeightedLogistic.Fit(xs, n, d, y, weight, lambda, maxIterations);
            // Back to raw space: w_raw = w / std, b_raw = b - sum w_j mean_j / std_j.
            var raw = new double[d];
            double bias = theta[d];
            for (int j = 0; j < d; j++) { raw[j] = theta[j] / std[j]; bias -= raw[j] * mean[j]; }
            w[c] = raw;
            b[c] = bias;
        }
        return new LetterProbe(w, b, d);
    }
}
