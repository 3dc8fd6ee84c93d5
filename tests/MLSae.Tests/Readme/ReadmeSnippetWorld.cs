using MLSae.Activations;
using MLSae.Activations.Cache;
using MLSae.Models;
using MLSae.Persistence;
using MLSae.Persistence.Onnx;

namespace MLSae.Tests.Readme;

/// <summary>
/// A temporary working folder holding what the README snippets assume: an "activations" cache
/// (structured random rows, d = 32) and, on request, a "run" folder with a random sae.onnx.
/// Entering changes the current directory; disposing restores it.
/// </summary>
sealed class ReadmeSnippetWorld : IDisposable
{
    /// <summary>Tests that change the current directory run alone: other tests may resolve relative paths.</summary>
    public const string Collection = "current directory";

    static readonly object s_cwd = new();
    readonly string _previous;

    ReadmeSnippetWorld(string dir)
    {
        Monitor.Enter(s_cwd);
        _previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(dir);
    }

    public static ReadmeSnippetWorld Enter(bool withRun = false, int d = 32, int rows = 4096)
    {
        var dir = RepoPaths.NewTempDir("mlsae-readme");
        var rng = new Random(11);
        var basis = Enumerable.Range(0, 8 * d).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var x = new float[rows * d];
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < 8; k++)
            {
                if (rng.NextDouble() > 0.25) continue;   // sparse mixtures of 8 directions
                float a = (float)rng.NextDouble() * 3;
                for (int j = 0; j < d; j++) x[r * d + j] += a * basis[k * d + j];
            }
        using (var writer = ActivationCacheWriter.Create(Path.Combine(dir, "activations"), new ActivationCacheWriterOptions { Model = "synthetic", Hook = "blocks.0.hook_resid_post", Dimension = d }))
        {
            writer.Append(new ActivationChunk(x, new int[rows], new long[rows], new int[rows], d));
            writer.Complete();
        }
        if (withRun)
        {
            int m = 4 * d;
            float[] R(int n, double s) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * s)).ToArray();
            var w = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, d, m, R(m * d, 0.3), R(m, 0.1), R(m * d, 0.3), R(d, 0.1));
            SaeOnnx.Save(w, Path.Combine(dir, "run", RunFolder.Sae));
        }
        return new ReadmeSnippetWorld(dir);
    }

    public void Dispose()
    {
        Directory.SetCurrentDirectory(_previous);
        Monitor.Exit(s_cwd);
    }
}

[CollectionDefinition(ReadmeSnippetWorld.Collection, DisableParallelization = true)]
public sealed class CurrentDirectoryCollection;
