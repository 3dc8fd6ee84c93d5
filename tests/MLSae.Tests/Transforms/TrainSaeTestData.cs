using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;
using MLSae.Training;

namespace MLSae.Tests.Transforms;

/// <summary>Synthetic activations, ML.NET views of them, and a plain double-precision SAE forward.</summary>
static class TrainSaeTestData
{
    public const int D = 16;

    /// <summary>Rows that are sparse non-negative mixtures (2-3 of 32 unit directions) plus small noise and an offset.</summary>
    public static float[] Mixtures(int rows, int seed = 5)
    {
        var r = new Random(seed);
        const int dirs = 32;
        var u = new double[dirs * D];
        for (int k = 0; k < dirs; k++)
        {
            double n = 0;
            for (int j = 0; j < D; j++) { u[k * D + j] = r.NextDouble() * 2 - 1; n += u[k * D + j] * u[k * D + j]; }
            for (int j = 0; j < D; j++) u[k * D + j] /= Math.Sqrt(n);
        }
        var x = new float[rows * D];
        for (int t = 0; t < rows; t++)
        {
            int active = 2 + r.Next(2);
            var row = new double[D];
            for (int j = 0; j < D; j++) row[j] = 0.3 + 0.02 * (r.NextDouble() - 0.5);
            for (int c = 0; c < active; c++)
            {
                int k = r.Next(dirs);
                double a = 0.5 + 2 * r.NextDouble();
                for (int j = 0; j < D; j++) row[j] += a * u[k * D + j];
            }
            for (int j = 0; j < D; j++) x[t * D + j] = (float)row[j];
        }
        return x;
    }

    sealed class Row
    {
        public float[] Activation = [];
    }

    /// <summary>A view with one column of known-size vectors (name and size adjustable).</summary>
    public static IDataView View(MLContext ml, float[] x, int d = D, string column = "Activation", int declaredSize = -1)
    {
        var rows = Enumerable.Range(0, x.Length / d).Select(r => new Row { Activation = x[(r * d)..((r + 1) * d)] }).ToArray();
        var def = SchemaDefinition.Create(typeof(Row));
        def[0].ColumnName = column;
        def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, declaredSize < 0 ? d : declaredSize);
        return ml.Data.LoadFromEnumerable(rows, def);
    }

    /// <summary>SchemaShape.Create is internal; ML.NET calls it the same way inside EstimatorChain.</summary>
    public static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    public static float[][] Column(IDataView view, string name) =>
        view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    /// <summary>Small fast settings: standard ReLU + L1, d=16, m=64.</summary>
    public static SaeTrainingOptions SmallTraining(int steps = 300, int seed = 7) => new()
    {
        Architecture = SaeArchitecture.Standard, FeatureCount = 64, BatchSize = 128, Steps = steps, LearningRate = 3e-3,
        WarmupSteps = 20, SparsityWarmupSteps = 50, L1Coefficient = 0.02, InitSampleRows = 512, LogEvery = 100,
        CheckpointEvery = 0, Seed = seed,
    };

    /// <summary>f = relu(W_enc (x - b_dec) + b_enc), x_hat = W_dec^T f + b_dec in double precision (ReLU SAEs only).</summary>
    public static (double[] F, double[] XHat) Forward(SaeWeights w, ReadOnlySpan<float> x)
    {
        Assert.Equal(SaeActivation.ReLU, w.Activation);
        int d = w.InputDim, m = w.FeatureCount;
        var f = new double[m];
        var xhat = new double[d];
        for (int i = 0; i < m; i++)
        {
            double s = w.EncoderBias[i];
            for (int j = 0; j < d; j++) s += (double)w.EncoderWeights[i * d + j] * ((double)x[j] - w.DecoderBias[j]);
            f[i] = Math.Max(0, s);
        }
        for (int j = 0; j < d; j++)
        {
            double s = w.DecoderBias[j];
            for (int i = 0; i < m; i++) s += f[i] * w.DecoderWeights[i * d + j];
            xhat[j] = s;
        }
        return (f, xhat);
    }

    /// <summary>Mean over rows of ||x - x_hat||^2, with the double forward.</summary>
    public static double Mse(SaeWeights w, float[] x)
    {
        int d = w.InputDim, n = x.Length / d;
        double total = 0;
        for (int r = 0; r < n; r++)
        {
            var (_, xhat) = Forward(w, x.AsSpan(r * d, d));
            for (int j = 0; j < d; j++) total += Math.Pow(x[r * d + j] - xhat[j], 2);
        }
        return total / n;
    }

    /// <summary>E||x - mean||^2: the error of predicting the mean.</summary>
    public static double Variance(float[] x, int d = D)
    {
        int n = x.Length / d;
        var mean = new double[d];
        for (int r = 0; r < n; r++) for (int j = 0; j < d; j++) mean[j] += x[r * d + j] / (double)n;
        double v = 0;
        for (int r = 0; r < n; r++) for (int j = 0; j < d; j++) v += Math.Pow(x[r * d + j] - mean[j], 2);
        return v / n;
    }
}
