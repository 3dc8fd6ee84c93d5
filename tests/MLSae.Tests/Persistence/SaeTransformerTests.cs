using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;
using MLSae.Tests.Scoring;
using MLSae.Transforms;

namespace MLSae.Tests.Persistence;

public class SaeTransformerTests
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

    [Theory]
    [InlineData(SaeActivation.ReLU)]
    [InlineData(SaeActivation.JumpReLU)]
    [InlineData(SaeActivation.TopK)]
    public void TransformMatchesDoubleForwardAndSurvivesSaveLoadWithoutSideFiles(SaeActivation activation)
    {
        var w = TestSaes.Random(activation, seed: 3, info: new SaeInfo { ModelName = "m", HookName = "h", FeatureFrequencies = new float[40] });
        int d = w.InputDim, m = w.FeatureCount;
        var x = TestSaes.Activations(6, d, seed: 4);
        var dir = RepoPaths.NewTempDir();
        var zip = Path.Combine(dir, "sae.zip");

        var ml = new MLContext(seed: 1);
        var data = Data(ml, x, d);
        var estimator = ml.Transforms.ApplySae(w).Append(ml.Transforms.CopyColumns("Copy", "Features"));
        var model = estimator.Fit(data);
        var outSchema = model.GetOutputSchema(data.Schema);
        Assert.Equal(m, ((VectorDataViewType)outSchema["Features"].Type).Size);
        Assert.Equal(d, ((VectorDataViewType)outSchema["Reconstruction"].Type).Size);
        var transformed = model.Transform(data);
        var f = Column(transformed, "Features");
        var xhat = Column(transformed, "Reconstruction");
        for (int r = 0; r < f.Length; r++)
        {
            var refF = TestSaes.Encode(w, x.AsSpan(r * d, d));
            var refX = TestSaes.Decode(w, refF);
            for (int i = 0; i < m; i++) Assert.True(Math.Abs(refF[i] - f[r][i]) <= 1e-5);
            for (int j = 0; j < d; j++) Assert.True(Math.Abs(refX[j] - xhat[r][j]) <= 1e-5);
        }

        ml.Model.Save(model, data.Schema, zip);
        var sae = (SaeTransformer)model.First();
        var ownedFile = OwnedFile(sae);
        Assert.True(File.Exists(ownedFile));
        model.Dispose(); // deletes the transformer's own ONNX file: the zip must be self-contained
        Assert.False(File.Exists(ownedFile));

        var loadTemp = RepoPaths.NewTempDir();
        var fresh = new MLContext(seed: 2) { TempFilePath = loadTemp };
        var loaded = fresh.Model.Load(zip, out _);
        var again = loaded.Transform(Data(fresh, x, d));
        var f2 = Column(again, "Features");
        var x2 = Column(again, "Reconstruction");
        for (int r = 0; r < f.Length; r++)
        {
            for (int i = 0; i < m; i++) Assert.True(Math.Abs(f[r][i] - f2[r][i]) <= 1e-6);
            for (int j = 0; j < d; j++) Assert.True(Math.Abs(xhat[r][j] - x2[r][j]) <= 1e-6);
        }

        var view = SaeModelFile.FromModel(fresh, loaded);
        Assert.Equal(w.EncoderWeights, view.Weights!.EncoderWeights);
        Assert.Equal("h", view.Info.HookName);
        Assert.Equal(activation, view.Activation);
        Assert.Equal(w.DecoderWeights, SaeModelFile.Read(zip).Weights!.DecoderWeights);

        (loaded as IDisposable)?.Dispose();
        Assert.Empty(Directory.GetFiles(loadTemp)); // ML.NET's own temp copy is gone after Dispose
    }

    static string OwnedFile(SaeTransformer t) =>
        (string)typeof(SaeTransformer).GetField("_file", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(t)!.GetType().GetProperty("Path")!.GetValue(typeof(SaeTransformer).GetField("_file", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(t))!;

    [Fact]
    public void SchemaErrorsNameTheColumnAndWhatWasExpected()
    {
        var w = TestSaes.Random(SaeActivation.ReLU);
        var ml = new MLContext();
        var wrongSize = Data(ml, TestSaes.Activations(2, 5), 5);
        var e = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.ApplySae(w).Fit(wrongSize));
        Assert.Contains("'Activation'", e.Message);
        Assert.Contains("12", e.Message);

        var e2 = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.ApplySae("Features", "Missing", w).Fit(wrongSize));
        Assert.Contains("'Missing'", e2.Message);
        Assert.Contains("not found", e2.Message);

        // SchemaShape.Create is internal; ML.NET calls it the same way inside EstimatorChain.
        var shape = (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static, [typeof(DataViewSchema)])!
            .Invoke(null, [wrongSize.Schema])!;
        var ok = ml.Transforms.ApplySae(w).GetOutputSchema(shape);
        Assert.Contains(ok, c => c.Name == "Features");
        Assert.Contains(ok, c => c.Name == "Reconstruction");
    }

    [Fact]
    public void AZipThatIsNotAnMLSaeModelIsRejected()
    {
        var ml = new MLContext();
        var data = Data(ml, TestSaes.Activations(2, 4), 4);
        var zip = Path.Combine(RepoPaths.NewTempDir(), "plain.zip");
        ml.Model.Save(ml.Transforms.CopyColumns("B", "Activation").Fit(data), data.Schema, zip);
        var e = Assert.Throws<InvalidDataException>(() => SaeModelFile.Read(zip));
        Assert.Contains("plain.zip", e.Message);
        Assert.Contains("not an MLSae model", e.Message);

        var notZip = Path.Combine(RepoPaths.NewTempDir(), "text.zip");
        File.WriteAllText(notZip, "hello");
        var e2 = Assert.Throws<InvalidDataException>(() => SaeModelFile.Read(notZip));
        Assert.Contains("not a zip", e2.Message);
    }
}
