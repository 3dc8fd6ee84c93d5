using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;
using MLSae.Onnx;
using MLSae.Persistence.Onnx;
using MLSae.Persistence.SaeLens;
using MLSae.Scoring;
using Parquet;
using Parquet.Schema;

namespace MLSae.Tests.Scoring;

public class SaeScorerTests
{
    const double Tolerance = 1e-5;
    static readonly SaeScorerOptions Small = new() { BatchSize = 5, Execution = new OnnxExecutionOptions { PreferCuda = false } };

    sealed class Collect : IProgress<ProgressInfo>
    {
        public readonly List<ProgressInfo> Reports = [];
        public void Report(ProgressInfo value) => Reports.Add(value);
    }

    [Theory]
    [InlineData(SaeActivation.ReLU)]
    [InlineData(SaeActivation.JumpReLU)]
    [InlineData(SaeActivation.TopK)]
    public void EncodeMatchesDoubleForwardAcrossPartialBatches(SaeActivation activation)
    {
        var w = TestSaes.Random(activation, seed: 11);
        int rows = 13, d = w.InputDim, m = w.FeatureCount;
        var x = TestSaes.Activations(rows, d, seed: 12);
        using var scorer = new SaeScorer(w, Small);
        var f = new float[rows * m];
        scorer.Encode(x, rows, f);
        for (int r = 0; r < rows; r++)
        {
            Assert.True(TestSaes.Margin(w, x.AsSpan(r * d, d)) > 1e-4);
            var refF = TestSaes.Encode(w, x.AsSpan(r * d, d));
            for (int i = 0; i < m; i++) Assert.True(Math.Abs(refF[i] - f[r * m + i]) <= Tolerance, $"[{r},{i}]");
        }
    }

    /// <summary>
    /// Prefix deployment: KeepFeatures = n scores the first n features as an SAE of its own. For ReLU codes that is
    /// the first n columns of the full code; for TopK the k largest are chosen among the first n only (checked
    /// against a double-precision selection over the prefix, which differs from the full code's columns).
    /// </summary>
    [Theory]
    [InlineData(SaeActivation.ReLU)]
    [InlineData(SaeActivation.TopK)]
    public void KeepFeaturesScoresThePrefixAsAnSaeOfItsOwn(SaeActivation activation)
    {
        var w = TestSaes.Random(activation, seed: 21);
        int rows = 9, d = w.InputDim, keep = 17;
        var x = TestSaes.Activations(rows, d, seed: 22);
        using var scorer = new SaeScorer(w, Small with { KeepFeatures = keep });
        Assert.Equal(keep, scorer.Weights.FeatureCount);
        var f = new float[rows * keep];
        scorer.Encode(x, rows, f);
        bool differsFromFullColumns = false;
        for (int r = 0; r < rows; r++)
        {
            var pre = TestSaes.Pre(w, x.AsSpan(r * d, d))[..keep];
            var full = TestSaes.Encode(w, x.AsSpan(r * d, d));
            var chosen = activation == SaeActivation.TopK
                ? Enumerable.Range(0, keep).OrderByDescending(i => pre[i]).Take(w.K).ToHashSet()
                : Enumerable.Range(0, keep).ToHashSet();
            for (int i = 0; i < keep; i++)
            {
                double expected = chosen.Contains(i) ? Math.Max(0, pre[i]) : 0;
                Assert.True(Math.Abs(expected - f[r * keep + i]) <= Tolerance, $"[{r},{i}] {expected} vs {f[r * keep + i]}");
                differsFromFullColumns |= Math.Abs(full[i] - expected) > Tolerance;
            }
        }
        Assert.Equal(activation == SaeActivation.TopK, differsFromFullColumns);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SaeScorer(w, Small with { KeepFeatures = w.FeatureCount + 1 }));
        Assert.Contains("SaeScorerOptions.KeepFeatures", e.Message);
    }

    [Fact]
    public void SparseCsvHoldsExactlyTheNonZeroFeatures()
    {
        var w = TestSaes.Random(SaeActivation.ReLU, seed: 21);
        int rows = 12, d = w.InputDim, m = w.FeatureCount;
        var x = TestSaes.Activations(rows, d, seed: 22);
        var path = Path.Combine(RepoPaths.NewTempDir(), "codes.csv");
        var progress = new Collect();
        using var scorer = new SaeScorer(w, Small);
        var summary = scorer.Score(new InMemoryActivationSource(x, d), path, progress);

        var dense = new double[rows, m];
        var lines = File.ReadAllLines(path);
        Assert.Equal("row,feature,value", lines[0]);
        foreach (var line in lines.Skip(1))
        {
            var p = line.Split(',');
            dense[long.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture)] = double.Parse(p[2], CultureInfo.InvariantCulture);
        }
        long nonZero = 0;
        var counts = new long[m];
        for (int r = 0; r < rows; r++)
        {
            var refF = TestSaes.Encode(w, x.AsSpan(r * d, d));
            for (int i = 0; i < m; i++)
            {
                Assert.True(Math.Abs(refF[i] - dense[r, i]) <= Tolerance);
                if (refF[i] > 1e-4) { nonZero++; counts[i]++; }
            }
        }
        Assert.Equal(nonZero, lines.Length - 1);
        Assert.Equal(nonZero, summary.EntriesWritten);
        Assert.Equal(counts, summary.FiringCounts);
        Assert.Equal(rows, summary.Rows);
        Assert.Equal(new ProgressInfo(rows, rows, "rows"), progress.Reports[^1] with { Detail = null });
    }

    [Fact]
    public async Task TopKParquetHoldsTheLargestFeaturesPerRow()
    {
        var w = TestSaes.Random(SaeActivation.ReLU, seed: 31);
        int rows = 9, d = w.InputDim, m = w.FeatureCount, k = 4;
        var x = TestSaes.Activations(rows, d, seed: 32);
        var path = Path.Combine(RepoPaths.NewTempDir(), "top.parquet");
        using (var scorer = new SaeScorer(w, Small with { TopK = k }))
            scorer.Score(new InMemoryActivationSource(x, d), path);

        var row = new List<long>(); var rank = new List<int>(); var feature = new List<int>(); var value = new List<float>();
        await using (var reader = await ParquetReader.CreateAsync(path))
        {
            var fields = reader.Schema.GetDataFields();
            Assert.Equal(["row", "rank", "feature", "value"], fields.Select(f => f.Name));
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var rg = reader.OpenRowGroupReader(g);
                int n = (int)rg.RowCount;
                var a = new long[n]; var b = new int[n]; var c = new int[n]; var v = new float[n];
                await rg.ReadAsync<long>(fields[0], a);
                await rg.ReadAsync<int>(fields[1], b);
                await rg.ReadAsync<int>(fields[2], c);
                await rg.ReadAsync<float>(fields[3], v);
                row.AddRange(a); rank.AddRange(b); feature.AddRange(c); value.AddRange(v);
            }
        }
        Assert.Equal(rows * k, row.Count);
        for (int r = 0; r < rows; r++)
        {
            var refF = TestSaes.Encode(w, x.AsSpan(r * d, d));
            var expected = Enumerable.Range(0, m).OrderByDescending(i => refF[i]).Take(k).ToArray();
            for (int j = 0; j < k; j++)
            {
                int e = r * k + j;
                Assert.Equal((long)r, row[e]);
                Assert.Equal(j, rank[e]);
                Assert.Equal(expected[j], feature[e]);
                Assert.True(Math.Abs(refF[expected[j]] - value[e]) <= Tolerance);
            }
        }
    }

    [Fact]
    public void RefusesExistingOutputUnlessOverwrite()
    {
        var w = TestSaes.Random(SaeActivation.ReLU);
        var src = new InMemoryActivationSource(TestSaes.Activations(3, w.InputDim), w.InputDim);
        var path = Path.Combine(RepoPaths.NewTempDir(), "out.csv");
        File.WriteAllText(path, "keep");
        using var scorer = new SaeScorer(w, Small);
        var e = Assert.Throws<IOException>(() => scorer.Score(src, path));
        Assert.Contains("out.csv", e.Message);
        Assert.Contains("already exists", e.Message);
        Assert.Equal("keep", File.ReadAllText(path));
        using var over = new SaeScorer(w, Small with { Overwrite = true });
        over.Score(src, path);
        Assert.StartsWith("row,feature,value", File.ReadAllText(path));
    }

    [Fact]
    public void DimensionMismatchIsAClearError()
    {
        var w = TestSaes.Random(SaeActivation.ReLU, info: new SaeInfo { HookName = "blocks.3.hook_resid_post" });
        using var scorer = new SaeScorer(w, Small);
        var e = Assert.Throws<ArgumentException>(() => scorer.Score(new InMemoryActivationSource(new float[20], 10), Path.Combine(RepoPaths.NewTempDir(), "x.csv")));
        Assert.Contains("d = 10", e.Message);
        Assert.Contains("d = 12", e.Message);
    }

    [Fact]
    public void OpensZipOnnxAndSaeLensFolderToTheSameScores()
    {
        var w = TestSaes.Random(SaeActivation.JumpReLU, seed: 41);
        int d = w.InputDim, m = w.FeatureCount;
        var dir = RepoPaths.NewTempDir();
        var onnx = Path.Combine(dir, "sae.onnx");
        SaeOnnx.Save(w, onnx);
        var lens = Path.Combine(dir, "saelens");
        SaeLensWriter.Write(w, lens);
        var zip = Path.Combine(dir, "sae.zip");
        var ml = new MLContext();
        var def = SchemaDefinition.Create(typeof(Row));
        def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var data = ml.Data.LoadFromEnumerable(Array.Empty<Row>(), def);
        using (var t = ml.Transforms.ApplySae(w).Fit(data)) ml.Model.Save(t, data.Schema, zip);

        var x = TestSaes.Activations(4, d, seed: 42);
        float[] Scores(string path)
        {
            using var s = SaeScorer.Open(path, Small);
            var f = new float[4 * m];
            s.Encode(x, 4, f);
            return f;
        }
        var a = Scores(onnx);
        Assert.Equal(a, Scores(lens));
        Assert.Equal(a, Scores(zip));
    }

    sealed class Row
    {
        public float[] Activation = [];
    }

    [Fact]
    public void TopKSelectionMatchesASort()
    {
        var rng = new Random(5);
        var row = Enumerable.Range(0, 100).Select(_ => (float)rng.Next(-20, 20)).ToArray(); // many ties
        var v = new float[7]; var f = new int[7];
        SaeScorer.TopK(row, v, f);
        var expected = Enumerable.Range(0, 100).OrderByDescending(i => row[i]).ThenBy(i => i).Take(7).ToArray();
        Assert.Equal(expected, f);
        Assert.Equal(expected.Select(i => row[i]), v);
    }
}
