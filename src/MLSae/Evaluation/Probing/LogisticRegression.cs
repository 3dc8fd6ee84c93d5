namespace MLSae.Evaluation.Probing;

/// <summary>
/// Binary logistic regression with an L2 penalty on the weights (not the bias), fitted by
/// Newton's method in double precision: minimises
/// sum_i [log(1 + exp(z_i)) - y_i z_i] + (lambda / 2) ||w||^2 with z_i = w . x_i + b.
/// Dense Hessian and Cholesky solve: meant for a few hundred features at most.
/// </summary>
public sealed class LogisticRegression
{
    LogisticRegression(double[] weights, double bias, int iterations)
    {
        Weights = weights;
        Bias = bias;
        Iterations = iterations;
    }

    /// <summary>w.</summary>
    public double[] Weights { get; }
    /// <summary>b.</summary>
    public double Bias { get; }
    /// <summary>Newton steps taken.</summary>
    public int Iterations { get; }

    /// <summary>P(y = 1 | x).</summary>
    public double Probability(ReadOnlySpan<double> x)
    {
        double z = Bias;
        for (int j = 0; j < Weights.Length; j++) z += Weights[j] * x[j];
        return Sigmoid(z);
    }

    /// <summary>
    /// Fits on <paramref name="n"/> rows of <paramref name="p"/> features (<paramref name="x"/> row-major)
    /// with labels <paramref name="y"/> in {0, 1} and penalty <paramref name="lambda"/> &gt; 0.
    /// </summary>
    public static LogisticRegression Fit(ReadOnlySpan<double> x, int n, int p, ReadOnlySpan<bool> y, double lambda,
        int maxIterations = 100, double tolerance = 1e-10)
    {
        if (n <= 0 || p < 0) throw new ArgumentException($"Need at least one row and a non-negative feature count; got n={n}, p={p}.");
        if (x.Length < (long)n * p || y.Length < n) throw new ArgumentException($"x needs {(long)n * p} values and y {n}; got {x.Length} and {y.Length}.");
        if (!(lambda > 0)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The L2 penalty must be positive (it keeps separable data finite).");

        int q = p + 1; // parameters: w then b
        var theta = new double[q];
        var grad = new double[q];
        var hess = new double[q * q];
        var step = new double[q];
        var trial = new double[q];
        var row = new double[q];
        double loss = Objective(x, n, p, y, lambda, theta);
        int it = 0;
        for (; it < maxIterations; it++)
        {
            Array.Clear(grad);
            Array.Clear(hess);
            for (int i = 0; i < n; i++)
            {
                var xi = x.Slice(i * p, p);
                for (int j = 0; j < p; j++) row[j] = xi[j];
                row[p] = 1;
                double z = 0;
                for (int j = 0; j < q; j++) z += theta[j] * row[j];
                double s = Sigmoid(z);
                double r = s - (y[i] ? 1 : 0);
                double wgt = s * (1 - s);
                for (int j = 0; j < q; j++)
                {
                    grad[j] += r * row[j];
                    double wj = wgt * row[j];
                    for (int k = 0; k <= j; k++) hess[j * q + k] += wj * row[k];
                }
            }
            for (int j = 0; j < p; j++) { grad[j] += lambda * theta[j]; hess[j * q + j] += lambda; }
            hess[p * q + p] += 1e-12 * n; // keeps the bias pivot positive when every probability saturates
            for (int j = 0; j < q; j++) for (int k = 0; k < j; k++) hess[k * q + j] = hess[j * q + k];

            CholeskySolve(hess, q, grad, step);
            // Backtracking keeps every step a descent step; near the optimum the full step is taken.
            double t = 1, newLoss;
            while (true)
            {
                for (int j = 0; j < q; j++) trial[j] = theta[j] - t * step[j];
                newLoss = Objective(x, n, p, y, lambda, trial);
                if (newLoss <= loss || t < 1e-8) break;
                t *= 0.5;
            }
            Array.Copy(trial, theta, q);
            double decrement = 0;
            for (int j = 0; j < q; j++) decrement += grad[j] * step[j];
            loss = newLoss;
            if (decrement * 0.5 < tolerance) { it++; break; }
        }
        var w = new double[p];
        Array.Copy(theta, w, p);
        return new LogisticRegression(w, theta[p], it);
    }

    /// <summary>The penalised negative log-likelihood at parameters (w, b) = <paramref name="theta"/>.</summary>
    internal static double Objective(ReadOnlySpan<double> x, int n, int p, ReadOnlySpan<bool> y, double lambda, ReadOnlySpan<double> theta)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double z = theta[p];
            var xi = x.Slice(i * p, p);
            for (int j = 0; j < p; j++) z += theta[j] * xi[j];
            // log(1 + e^z) computed without overflow.
            double softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
            sum += softplus - (y[i] ? z : 0);
        }
        double reg = 0;
        for (int j = 0; j < p; j++) reg += theta[j] * theta[j];
        return sum + 0.5 * lambda * reg;
    }

    static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>Solves A s = b for symmetric positive definite A (q x q, row-major), in place on a copy.</summary>
    static void CholeskySolve(double[] a, int q, double[] b, double[] s)
    {
        var l = new double[q * q];
        for (int i = 0; i < q; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i * q + j];
                for (int k = 0; k < j; k++) sum -= l[i * q + k] * l[j * q + k];
                if (i == j)
                {
                    if (!(sum > 0)) throw new InvalidOperationException("Logistic regression Hessian is not positive definite; the features may contain NaN or infinity.");
                    l[i * q + i] = Math.Sqrt(sum);
                }
                else l[i * q + j] = sum / l[j * q + j];
            }
        }
        for (int i = 0; i < q; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++) sum -= l[i * q + k] * s[k];
            s[i] = sum / l[i * q + i];
        }
        for (int i = q - 1; i >= 0; i--)
        {
            double sum = s[i];
            for (int k = i + 1; k < q; k++) sum -= l[k * q + i] * s[k];
            s[i] = sum / l[i * q + i];
        }
    }
}
