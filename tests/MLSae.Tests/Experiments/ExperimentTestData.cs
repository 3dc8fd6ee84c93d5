using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Runs.Experiments;

namespace MLSae.Tests.Experiments;

/// <summary>Synthetic activation caches and small experiment files for the experiment tests.</summary>
static class ExperimentTestData
{
    /// <summary>
    /// A cache of <paramref name="rows"/> rows of d floats, each a sparse sum of 2-4 of 3d fixed random
    /// directions with positive magnitudes plus small noise (so an SAE has real features to find).
    /// </summary>
    public static string WriteCache(int rows, int d, int seed = 7, string? dir = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        dir ??= RepoPaths.NewTempDir("mlsae-exp-cache");
        var rng = new Random(seed);
        int k = 3 * d;
        var directions = new float[k, d];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < d; j++) directions[i, j] = (float)(rng.NextDouble() * 2 - 1);
        using var w = ActivationCacheWriter.Create(dir, new ActivationCacheWriterOptions
        {
            Model = "synthetic", Hook = "blocks.0.hook_resid_post", Dimension = d, Context = 16, RowsPerShard = 500,
            Metadata = metadata,
        });
        const int chunk = 100;
        for (int start = 0; start < rows; start += chunk)
        {
            int n = Math.Min(chunk, rows - start);
            var a = new float[n * d];
            for (int r = 0; r < n; r++)
            {
                int active = 2 + rng.Next(3);
                for (int t = 0; t < active; t++)
                {
                    // Low-index directions are more common: a skewed frequency distribution to order by.
                    int f = (int)(k * Math.Pow(rng.NextDouble(), 2));
                    float mag = (float)(0.5 + rng.NextDouble());
                    for (int j = 0; j < d; j++) a[r * d + j] += mag * directions[f, j];
                }
                for (int j = 0; j < d; j++) a[r * d + j] += (float)(0.01 * (rng.NextDouble() - 0.5));
            }
            w.Append(new ActivationChunk(a, Enumerable.Range(start, n).Select(i => i % 1000).ToArray(),
                Enumerable.Range(start, n).Select(i => (long)(i / 16)).ToArray(), Enumerable.Range(start, n).Select(i => i % 16).ToArray(), d));
        }
        w.Complete();
        return dir;
    }

    /// <summary>
    /// An experiment on <paramref name="cache"/>: a no-reorder control, an exact periodic reorder run and its naive
    /// twin (both controlled by the first), tiny standard SAEs.
    /// </summary>
    public static string ExperimentJson(string cache, int steps = 60, string seeds = "[1, 2]") => $$"""
    {
      // comments are allowed
      "name": "tiny",
      "description": "a test experiment",
      "source": { "activations": "{{cache.Replace("\\", "\\\\")}}", "heldOutFraction": 0.2 },
      "seeds": {{seeds}},
      "defaults": {
        "train": { "Architecture": "Standard", "Expansion": 2, "BatchSize": 64, "Steps": {{steps}}, "WarmupSteps": 5, "SparsityWarmupSteps": 5,
                   "L1Coefficient": 0.05, "LearningRate": 0.003, "LogEvery": 10, "CheckpointEvery": 20, "InitSampleRows": 256,
                   "Ordering": { "HistoryInterval": 5 } },
        "eval": { "prefixRows": 200 }
      },
      "runs": [
        { "name": "control", "train": { "Ordering": { "Strategy": "none" } } },
        { "name": "periodic", "control": "control", "train": { "Ordering": { "Strategy": "periodic", "Warmup": 10, "Interval": 10 } } },
        { "name": "periodic-naive", "extends": "periodic", "control": "control", "train": { "Ordering": { "StateMode": "naive" } } }
      ],
      "plots": { "steps": [10, {{steps}}] }
    }
    """;

    /// <summary>Parses <see cref="ExperimentJson"/>.</summary>
    public static ExperimentDefinition Experiment(string cache, int steps = 60, string seeds = "[1, 2]") =>
        ExperimentFile.Parse(ExperimentJson(cache, steps, seeds), "tiny.json", Path.GetTempPath());
}
