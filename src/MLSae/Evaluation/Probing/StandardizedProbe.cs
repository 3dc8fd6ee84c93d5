namespace MLSae.Evaluation.Probing;

/// <summary>
/// A logistic-regression probe on chosen columns of a row-major float matrix, standardised with
/// the training rows' mean and standard deviation (a constant column gets scale 1).
/// </summary>
internal sealed class StandardizedProbe
{
    readonly int[] _features;
    readonly double[] _mean, _std;
    readonly LogisticRegression _model;

    StandardizedProbe(int[] features, double[] mean, double[] std, LogisticRegression model)
    {
        _features = features;
        _mean = mean;
        _std = std;
        _model = model;
    }

    /// <summary>Fits on rows <paramref name="train"/> of <paramref name="x"/> (width <paramref name="width"/>) using columns <paramref name="features"/>.</summary>
    public static StandardizedProbe Fit(float[] x, int width, int[] features, int[] train, bool[] isPositive, double l2)
    {
        int p = features.Length;
        var mean = new double[p];
        var std = new double[p];
        foreach (var i in train)
            for (int j = 0; j < p; j++) mean[j] += x[(long)i * width + features[j]];
        for (int j = 0; j < p; j++) mean[j] /= train.Length;
        foreach (var i in train)
            for (int j = 0; j < p; j++) { double c = x[(long)i * width + features[j]] - mean[j]; std[j] += c * c; }
        for (int j = 0; j < p; j++) { std[j] = Math.Sqrt(std[j] / train.Length); if (!(std[j] > 1e-12)) std[j] = 1; }

        var xs = new double[train.Length * p];
        for (int r = 0; r < train.Length; r++)
            for (int j = 0; j < p; j++) xs[r * p + j] = (x[(long)train[r] * width + features[j]] - mean[j]) / std[j];
        var y = train.Select(i => isPositive[i]).ToArray();
        return new StandardizedProbe(features, mean, std, LogisticRegression.Fit(xs, train.Length, p, y, l2));
    }

    /// <summary>
    /// The probe's weight vector in the unstandardised input space (w_j / std_j at column features[j], 0 elsewhere),
    /// the direction SAEBench's SCR/TPP attribution dots with decoder rows.
    /// </summary>
    public double[] InputSpaceWeights(int width)
    {
        var w = new double[width];
        for (int j = 0; j < _features.Length; j++) w[_features[j]] = _model.Weights[j] / _std[j];
        return w;
    }

    /// <summary>Predicted class of row <paramref name="row"/> (probability &gt;= 0.5).</summary>
    public bool Predict(float[] x, int width, int row)
    {
        Span<double> v = _features.Length <= 256 ? stackalloc double[_features.Length] : new double[_features.Length];
        for (int j = 0; j < _features.Length; j++) v[j] = (x[(long)row * width + _features[j]] - _mean[j]) / _std[j];
        return _model.Probability(v) >= 0.5;
    }

    /// <summary>Fraction of <paramref name="rows"/> predicted correctly.</summary>
    public double Accuracy(float[] x, int width, int[] rows, bool[] isPositive)
    {
        int correct = 0;
        foreach (var r in rows) if (Predict(x, width, r) == isPositive[r]) correct++;
        return (double)correct / rows.Length;
    }

    /// <summary>F1 of the positive class on <paramref name="rows"/> (0 when nothing is predicted or present).</summary>
    public double F1(float[] x, int width, int[] rows, bool[] isPositive)
    {
        int tp = 0, fp = 0, fn = 0;
        foreach (var r in rows)
        {
            bool pred = Predict(x, width, r);
            if (pred && isPositive[r]) tp++;
            else if (pred) fp++;
            else if (isPositive[r]) fn++;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }
}
