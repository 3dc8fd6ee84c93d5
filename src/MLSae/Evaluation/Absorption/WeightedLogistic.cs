namespace MLSae.Evaluation.Absorption;

/// <summary>
/// Weighted L2 logistic regression by L-BFGS (memory 10, Armijo backtracking), double precision:
/// minimises sum_i c_i [log(1 + e^{z_i}) - y_i z_i] + (lambda / 2) ||w||^2, z = w . x + b, bias unpenalised.
/// </summary>
internal static class WeightedLogistic
{
    const int Memory = 10;

    /// <summary>Returns theta = (w_1..w_p, b).</summary>
    public static double[] Fit(double[] x, int n, int p, bool[] y, double[] c, double lambda, int maxIterations = 500, double tolerance = 1e-8)
    {
        int q = p + 1;
        var theta = new double[q];
        var g = new double[q];
        double f = Evaluate(x, n, p, y, c, lambda, theta, g);
        var s = new double[Memory][];
        var t = new double[Memory][];
        var rho = new double[Memory];
        var alpha = new double[Memory];
        int stored = 0, head = 0;
        var dir = new double[q];
        var trial = new double[q];
        var gNew = new double[q];
        double scale = 1 + c.Sum();
        for (int it = 0; it < maxIterations; it++)
        {
            if (MaxAbs(g) < tolerance * scale) break;
            // Two-loop recursion: dir = -H g.
            Array.Copy(g, dir, q);
            for (int k = 0; k < stored; k++)
            {
                int i = (head - 1 - k + Memory) % Memory;
                alpha[i] = rho[i] * Dot(s[i], dir);
                Axpy(-alpha[i], t[i], dir);
            }
            if (stored > 0)
            {
                int last = (head - 1 + Memory) % Memory;
                double gamma = Dot(s[last], t[last]) / Dot(t[last], t[last]);
                for (int j = 0; j < q; j++) dir[j] *= gamma;
            }
            else
            {
                double gn = Math.Sqrt(Dot(g, g));
                for (int j = 0; j < q; j++) dir[j] /= gn;   // first step: unit length
            }
            for (int k = stored - 1; k >= 0; k--)
            {
                int i = (head - 1 - k + Memory) % Memory;
                double beta = rho[i] * Dot(t[i], dir);
                Axpy(alpha[i] - beta, s[i], dir);
            }
            for (int j = 0; j < q; j++) dir[j] = -dir[j];
            double slope = Dot(g, dir);
            if (!(slope < 0)) { for (int j = 0; j < q; j++) dir[j] = -g[j]; slope = -Dot(g, g); stored = 0; }

            double step = 1, fNew;
            while (true)
            {
                for (int j = 0; j < q; j++) trial[j] = theta[j] + step * dir[j];
                fNew = Evaluate(x, n, p, y, c, lambda, trial, gNew);
                if (fNew <= f + 1e-4 * step * slope || step < 1e-12) break;
                step *= 0.5;
            }
            if (!(fNew < f)) break;   // no progress: at the optimum to working precision
            var sk = s[head] ??= new double[q];
            var tk = t[head] ??= new double[q];
            for (int j = 0; j < q; j++) { sk[j] = trial[j] - theta[j]; tk[j] = gNew[j] - g[j]; }
            double sy = Dot(sk, tk);
            if (sy > 1e-12)
            {
                rho[head] = 1 / sy;
                head = (head + 1) % Memory;
                stored = Math.Min(stored + 1, Memory);
            }
            Array.Copy(trial, theta, q);
            Array.Copy(gNew, g, q);
            f = fNew;
        }
        return theta;
    }

    static double Evaluate(double[] x, int n, int p, bool[] y, double[] c, double lambda, double[] theta, double[] grad)
    {
        Array.Clear(grad);
        double f = 0;
        for (int i = 0; i < n; i++)
        {
            var xi = x.AsSpan(i * p, p);
            double zi = theta[p];
            for (int j = 0; j < p; j++) zi += theta[j] * xi[j];
            double softplus = zi > 0 ? zi + Math.Log(1 + Math.Exp(-zi)) : Math.Log(1 + Math.Exp(zi));
            f += c[i] * (softplus - (y[i] ? zi : 0));
            double sig = zi >= 0 ? 1 / (1 + Math.Exp(-zi)) : Math.Exp(zi) / (1 + Math.Exp(zi));
            double r = c[i] * (sig - (y[i] ? 1 : 0));
            for (int j = 0; j < p; j++) grad[j] += r * xi[j];
            grad[p] += r;
        }
        for (int j = 0; j < p; j++) { f += 0.5 * lambda * theta[j] * theta[j]; grad[j] += lambda * theta[j]; }
        return f;
    }

    static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] += a * x[i];
    }

    static double MaxAbs(double[] v)
    {
        double m = 0;
        foreach (var e in v) m = Math.Max(m, Math.Abs(e));
        return m;
    }
}
