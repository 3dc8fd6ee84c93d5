using Microsoft.ML;
using Microsoft.ML.Data;
using MLSae.Models;
using MLSae.Ordering;
using MLSae.Transforms;
using Xunit.Abstractions;
using static MLSae.Tests.Transforms.TrainSaeTestData;

namespace MLSae.Tests.Transforms;

public class TrainSaeTests(ITestOutputHelper output)
{
    static readonly Lazy<float[]> s_data = new(() => Mixtures(2048));

    static TrainSaeOptions Options(int steps = 300, int seed = 7) => new() { Training = SmallTraining(steps, seed) };

    [Fact]
    public void Fit_ReturnsSaeTransformerWhoseOutputsEqualADoubleForward_AndReconstructsBetterThanItsInitialWeights()
    {
        var x = s_data.Value;
        var ml = new MLContext(seed: 1);
        var data = View(ml, x);
        using var model = ml.Transforms.TrainSae(Options()).Fit(data);
        Assert.IsType<SaeTransformer>(model);
        var w = model.Weights;
        Assert.Equal((D, 64), (w.InputDim, w.FeatureCount));

        // The transformer's columns equal the plain-C# double forward of its own weights (1e-5 absolute).
        var sample = x[..(256 * D)];
        var outView = model.Transform(View(ml, sample));
        var (features, recon) = (Column(outView, "Features"), Column(outView, "Reconstruction"));
        double maxF = 0, maxR = 0;
        for (int r = 0; r < 256; r++)
        {
            var (f, xhat) = Forward(w, sample.AsSpan(r * D, D));
            for (int i = 0; i < w.FeatureCount; i++) maxF = Math.Max(maxF, Math.Abs(features[r][i] - f[i]));
            for (int j = 0; j < D; j++) maxR = Math.Max(maxR, Math.Abs(recon[r][j] - xhat[j]));
        }
        Assert.True(maxF <= 1e-5 && maxR <= 1e-5, $"ML.NET output vs double forward: features {maxF:E2}, reconstruction {maxR:E2}");

        // The weights training started from: one step at a negligible learning rate (same seed, same init).
        using var init = ml.Transforms.TrainSae(Options() with { Training = SmallTraining(steps: 1) with { LearningRate = 1e-12 } }).Fit(data);
        double mseTrained = Mse(w, x), mseInit = Mse(init.Weights, x), variance = Variance(x);
        output.WriteLine($"E||x - x_hat||^2: initial {mseInit:F4}, trained {mseTrained:F4}; E||x - mean||^2 = {variance:F4}; explained variance {1 - mseTrained / variance:F3}");
        Assert.True(mseTrained < 0.25 * mseInit, $"training did not reduce the reconstruction error enough: {mseInit:F4} -> {mseTrained:F4}");
        Assert.True(mseTrained < 0.5 * variance, $"trained SAE explains only {1 - mseTrained / variance:F3} of the variance");
        Assert.Equal(300L * 128, w.Info.TrainingTokens);
        Assert.Equal(64, w.Info.FeatureFrequencies!.Length);
    }

    [Fact]
    public void SameSeedGivesTheSameWeights_AnotherSeedDoesNot()
    {
        var ml = new MLContext(seed: 1);
        var data = View(ml, s_data.Value);
        using var a = ml.Transforms.TrainSae(Options(steps: 60)).Fit(data);
        using var b = new MLContext(seed: 99).Transforms.TrainSae(Options(steps: 60)).Fit(data);
        using var c = ml.Transforms.TrainSae(Options(steps: 60, seed: 8)).Fit(data);
        Assert.Equal(a.Weights.EncoderWeights, b.Weights.EncoderWeights);
        Assert.Equal(a.Weights.DecoderWeights, b.Weights.DecoderWeights);
        Assert.Equal(a.Weights.EncoderBias, b.Weights.EncoderBias);
        Assert.Equal(a.Weights.DecoderBias, b.Weights.DecoderBias);
        Assert.NotEqual(a.Weights.EncoderWeights, c.Weights.EncoderWeights);
    }

    [Fact]
    public void SavedAndLoadedModelGivesTheSameOutputs_AndKeepsTheTrainingInfo()
    {
        var x = s_data.Value;
        var ml = new MLContext(seed: 1);
        var data = View(ml, x);
        var dir = RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "sae.zip");
        var options = Options(steps: 80) with { ModelName = "synthetic", HookName = "blocks.0.hook_test" };
        float[][] f0, r0;
        SaeWeights weights;
        var sample = View(ml, x[..(200 * D)]);
        using (var model = ml.Transforms.TrainSae(options).Fit(data))
        {
            var before = model.Transform(sample);
            (f0, r0) = (Column(before, "Features"), Column(before, "Reconstruction"));
            weights = model.Weights;
            ml.Model.Save(model, data.Schema, path);
        }

        var fresh = new MLContext(seed: 5);
        var loaded = fresh.Model.Load(path, out var schema);
        try
        {
            Assert.Equal(D, ((VectorDataViewType)schema["Activation"].Type).Size);
            var after = loaded.Transform(View(fresh, x[..(200 * D)]));
            var (f1, r1) = (Column(after, "Features"), Column(after, "Reconstruction"));
            double max = 0;
            for (int r = 0; r < f0.Length; r++)
            {
                for (int i = 0; i < f0[r].Length; i++) max = Math.Max(max, Math.Abs(f0[r][i] - f1[r][i]));
                for (int j = 0; j < D; j++) max = Math.Max(max, Math.Abs(r0[r][j] - r1[r][j]));
            }
            Assert.True(max <= 1e-6, $"loaded model differs by {max:E2}");

            var typed = SaeModelFile.FromModel(fresh, loaded);
            Assert.Equal(weights.EncoderWeights, typed.Weights!.EncoderWeights);
            Assert.Equal(weights.DecoderBias, typed.Weights.DecoderBias);
            Assert.Equal("synthetic", typed.Info.ModelName);
            Assert.Equal("blocks.0.hook_test", typed.Info.HookName);
            Assert.Equal(weights.Info.FeatureFrequencies, typed.Info.FeatureFrequencies);
            Assert.Equal(80L * 128, typed.Info.TrainingTokens);
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    sealed class DoubleRow
    {
        public double[] Activation = [];
    }

    sealed class ScalarRow
    {
        public float Activation;
    }

    public static TheoryData<string, string[]> SchemaCases => new()
    {
        { "missing", ["'Activation' not found", "known-size vector of Single"] },
        { "double", ["'Activation'", "Double", "known-size vector of Single"] },
        { "scalar", ["'Activation'", "known-size vector of Single"] },
        { "variable", ["'Activation'", "known-size vector of Single", "FlattenActivations"] },
    };

    static IDataView BadView(MLContext ml, string kind)
    {
        switch (kind)
        {
            case "missing": return View(ml, s_data.Value[..(8 * D)], column: "Acts");
            case "variable": return View(ml, s_data.Value[..(8 * D)], declaredSize: 0);
            case "scalar": return ml.Data.LoadFromEnumerable(new[] { new ScalarRow { Activation = 1 } });
            default:
                var def = SchemaDefinition.Create(typeof(DoubleRow));
                def[0].ColumnType = new VectorDataViewType(NumberDataViewType.Double, D);
                return ml.Data.LoadFromEnumerable(new[] { new DoubleRow { Activation = new double[D] } }, def);
        }
    }

    [Theory]
    [MemberData(nameof(SchemaCases))]
    public void SchemaErrorsNameTheColumnAndWhatWasExpected(string kind, string[] expected)
    {
        var ml = new MLContext(seed: 1);
        var view = BadView(ml, kind);
        var estimator = ml.Transforms.TrainSae(Options(steps: 5));
        var atShape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(TrainSaeTestData.Shape(view.Schema)));
        var atFit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(view));
        foreach (var e in new[] { atShape, atFit })
            foreach (var s in expected)
                Assert.Contains(s, e.Message);
    }

    [Fact]
    public void EmptyDataIsRefusedNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.TrainSae(Options(steps: 5)).Fit(View(ml, [])));
        Assert.Contains("no rows in column 'Activation'", e.Message);
        var streamed = Assert.Throws<InvalidDataException>(() => ml.Transforms.TrainSae(Options(steps: 5) with { MaxInMemoryRows = 0 }).Fit(View(ml, [])));
        Assert.Contains("'Activation'", streamed.Message);
    }

    [Fact]
    public void OutputSchemaAddsFeaturesAndReconstruction()
    {
        var ml = new MLContext(seed: 1);
        var view = View(ml, s_data.Value[..(4 * D)]);
        var shape = ml.Transforms.TrainSae(new TrainSaeOptions { OutputColumnName = "Codes", ReconstructionColumnName = "XHat" })
            .GetOutputSchema(TrainSaeTestData.Shape(view.Schema));
        foreach (var name in new[] { "Activation", "Codes", "XHat" })
        {
            var c = Assert.Single(shape, s => s.Name == name);
            Assert.Equal(SchemaShape.Column.VectorKind.Vector, c.Kind);
            Assert.Equal(NumberDataViewType.Single, c.ItemType);
        }
    }

    [Fact]
    public void InTrainingReorderIsRecordedInTheFittedSae()
    {
        var ml = new MLContext(seed: 1);
        var options = Options(steps: 120) with
        {
            Ordering = new ReorderOptions { Strategy = ReorderStrategyKind.Once, Warmup = 60, HistoryInterval = 0 },
        };
        using var model = ml.Transforms.TrainSae(options).Fit(View(ml, s_data.Value));
        var p = Assert.Single(model.Weights.Info.Permutations);
        Assert.Equal(60, p.Step);
        Assert.Equal(p.Order, model.Weights.Info.OriginalIndices);
    }
}
