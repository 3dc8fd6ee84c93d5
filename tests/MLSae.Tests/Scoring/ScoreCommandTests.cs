using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;
using MLSae.Persistence.SafeTensors;

namespace MLSae.Tests.Scoring;

public class ScoreCommandTests
{
    sealed class Row
    {
        public float[] Activation = [];
    }

    static (int Exit, string Output) RunCli(params string[] args)
    {
        var r = Reliability.ReliabilityData.RunCli(TimeSpan.FromMinutes(1), args);
        return (r.Exit, r.Stdout + r.Stderr);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void FreshProcessesScoreASavedModelZipWithNoSideFilesThroughOrtAndMLNetLoad()
    {
        var w = TestSaes.Random(SaeActivation.TopK, seed: 51, k: 3);
        int rows = 10, d = w.InputDim, m = w.FeatureCount;
        var x = TestSaes.Activations(rows, d, seed: 52);
        var dir = RepoPaths.NewTempDir();
        var zip = Path.Combine(dir, "sae.zip");
        var ml = new MLContext();
        var def = SchemaDefinition.Create(typeof(Row));
        def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var data = ml.Data.LoadFromEnumerable(Array.Empty<Row>(), def);
        using (var t = ml.Transforms.ApplySae(w).Fit(data)) ml.Model.Save(t, data.Schema, zip); // disposing deletes the temp ONNX file
        var acts = Path.Combine(dir, "acts.safetensors");
        new SafeTensorsWriter().Add("activations", x, [rows, d]).Save(acts);
        var outCsv = Path.Combine(dir, "codes.csv");

        var (exit, output) = RunCli("score", "--sae", zip, "--data", acts, "--out", outCsv, "--cpu");
        Assert.True(exit == 0, output);
        var dense = new double[rows, m];
        foreach (var line in File.ReadAllLines(outCsv).Skip(1))
        {
            var p = line.Split(',');
            dense[int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture)] = double.Parse(p[2], CultureInfo.InvariantCulture);
        }
        for (int r = 0; r < rows; r++)
        {
            var refF = TestSaes.Encode(w, x.AsSpan(r * d, d));
            for (int i = 0; i < m; i++) Assert.True(Math.Abs(refF[i] - dense[r, i]) <= 1e-5, $"[{r},{i}]");
        }

        // The same zip through ML.NET's own Model.Load, in a fresh process: identical outputs (1e-6).
        var viaMLNet = Path.Combine(dir, "mlnet.csv");
        var (exitMl, outputMl) = RunCli("score", "--sae", zip, "--data", acts, "--out", viaMLNet, "--engine", "MLNet");
        Assert.True(exitMl == 0, outputMl);
        Assert.Contains("ML.NET", outputMl);
        var a = File.ReadAllLines(outCsv);
        var b = File.ReadAllLines(viaMLNet);
        Assert.Equal(a.Length, b.Length);
        for (int i = 1; i < a.Length; i++)
        {
            var (p, q) = (a[i].Split(','), b[i].Split(','));
            Assert.Equal(p[..2], q[..2]);
            Assert.True(Math.Abs(double.Parse(p[2], CultureInfo.InvariantCulture) - double.Parse(q[2], CultureInfo.InvariantCulture)) <= 1e-6);
        }

        var (again, message) = RunCli("score", "--sae", zip, "--data", acts, "--out", outCsv, "--cpu");
        Assert.Equal(1, again);
        Assert.Contains("already exists", message);
        Assert.Contains("--overwrite", message);

        var wrong = Path.Combine(dir, "wrong.safetensors");
        new SafeTensorsWriter().Add("activations", new float[14], [2, 7]).Save(wrong);
        var (bad, why) = RunCli("score", "--sae", zip, "--data", wrong, "--out", Path.Combine(dir, "w.csv"), "--cpu");
        Assert.Equal(1, bad);
        Assert.Contains("d = 7", why);
    }
}
