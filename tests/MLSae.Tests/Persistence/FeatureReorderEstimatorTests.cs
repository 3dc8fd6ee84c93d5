using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Tests.Scoring;
using MLSae.Transforms;

namespace MLSae.Tests.Persistence;

public class FeatureReorderEstimatorTests
{
    sealed class Row
    {
        public float[] Activation = [];
    }

    static IDataView Data(MLContext ml, float[] x, int d)
    {
        var rows = Enumerable.Range(0, x.Length / d).Select(r => new Row { Activation = x[(r * d)..((r + 1) * d)] }).ToArray();
        var def = SchemaDefinition.Create(typeof(Row));
        def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return ml.Data.LoadFromEnumerable(rows, def);
    }

    static float[][] Column(IDataView view, string name) =>
        view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    [Fact]
    public void ReorderSaeFeatures_FitsByFrequency_ReconstructsAsBefore_AndKeepsOriginalIndicesThroughSaveLoad()
    {
        var w = TestSaes.Random(SaeActivation.ReLU, d: 12, m: 40, seed: 21);
        int d = w.InputDim, m = w.FeatureCount, n = 200;
        var x = TestSaes.Activations(n, d, seed: 22);
        var ml = new MLContext(seed: 1);
        var data = Data(ml, x, d);

        using var plain = ml.Transforms.ApplySae(w).Fit(data);
        using var ordered = ml.Transforms.ReorderSaeFeatures(w).Fit(data);
        var orig = ordered.Weights.Info.OriginalIndices!;
        Assert.Equal(Enumerable.Range(0, m), orig.Order());
        Assert.NotEqual(Enumerable.Range(0, m), orig);

        // Frequencies of the original features, computed independently; the new order must sort them descending.
        var fires = new int[m];
        for (int r = 0; r < n; r++)
        {
            var f = TestSaes.Encode(w, x.AsSpan(r * d, d));
            for (int i = 0; i < m; i++) if (f[i] > 0) fires[i]++;
        }
        for (int j = 1; j < m; j++) Assert.True(fires[orig[j - 1]] >= fires[orig[j]], $"position {j}: {fires[orig[j - 1]]} < {fires[orig[j]]}");

        var before = plain.Transform(data);
        var after = ordered.Transform(data);
        var (f0, r0) = (Column(before, "Features"), Column(before, "Reconstruction"));
        var (f1, r1) = (Column(after, "Features"), Column(after, "Reconstruction"));
        for (int r = 0; r < n; r++)
        {
            for (int k = 0; k < d; k++) Assert.True(Math.Abs(r0[r][k] - r1[r][k]) <= 1e-6, $"row {r} dim {k}: {r0[r][k]} vs {r1[r][k]}");
            for (int j = 0; j < m; j++) Assert.Equal(f0[r][orig[j]], f1[r][j]);
        }

        // Save / load: the zip holds one SAE, the reordered one, with its original indices and log.
        var zip = Path.Combine(RepoPaths.NewTempDir(), "ordered.zip");
        ml.Model.Save(ordered, data.Schema, zip);
        var view = SaeModelFile.Read(zip);
        Assert.Equal(orig, view.Info.OriginalIndices);
        Assert.Equal(orig, Assert.Single(view.Info.Permutations).Order);
        Assert.Equal(ordered.Weights.EncoderWeights, view.Weights!.EncoderWeights);
        var fresh = new MLContext(seed: 2) { TempFilePath = RepoPaths.NewTempDir() };
        var loaded = fresh.Model.Load(zip, out _);
        var again = Column(loaded.Transform(Data(fresh, x, d)), "Reconstruction");
        for (int r = 0; r < n; r++)
            for (int k = 0; k < d; k++) Assert.True(Math.Abs(r0[r][k] - again[r][k]) <= 1e-6);
        (loaded as IDisposable)?.Dispose();
    }

    [Fact]
    public void ReorderSaeFeatures_WrappingApplySae_EqualsReorderingTheWeights_AndChecksColumns()
    {
        var w = TestSaes.Random(SaeActivation.JumpReLU, d: 12, m: 40, seed: 31);
        var x = TestSaes.Activations(120, 12, seed: 32);
        var ml = new MLContext(seed: 1);
        var data = Data(ml, x, 12);
        var columns = new SaeTransformerOptions { InputColumnName = "Activation", OutputColumnName = "Codes", ReconstructionColumnName = "XHat" };

        using var wrapped = ml.Transforms.ReorderSaeFeatures(ml.Transforms.ApplySae(w, columns), new SaeReorderOptions { By = FeatureOrderKey.MeanActivation }).Fit(data);
        var direct = SaeFeatureReorder.Reorder(w, new MLSae.Activations.InMemoryActivationSource(x, 12), new SaeReorderOptions { By = FeatureOrderKey.MeanActivation });
        Assert.Equal(direct.Order, wrapped.Weights.Info.OriginalIndices);
        Assert.Equal("Codes", wrapped.Options.OutputColumnName);
        Assert.Equal(40, ((VectorDataViewType)wrapped.GetOutputSchema(data.Schema)["Codes"].Type).Size);

        var bad = ml.Transforms.ReorderSaeFeatures("Features", "Missing", w);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => bad.Fit(data));
        Assert.Contains("Missing", e.Message);
    }
}
