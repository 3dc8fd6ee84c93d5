using MLSae.Evaluation.Concepts;
using MLSae.Models;

namespace MLSae.Tests.Evaluation.Concepts;

/// <summary>
/// Synthetic pooled activations with planted concept directions, and SAEs whose codes are computed from them
/// (no model): a planted SAE has latents whose decoder rows are exactly the concept directions, a random SAE
/// of the same shape does not.
/// </summary>
static class PlantedConcepts
{
    public const int D = 64, M = 16;

    /// <summary>
    /// SCR texts: A on e0 (+-1, noise 0.3), B on e1 (+-2, noise 0.3), dims 2..63 noise 1; <paramref name="perQuadrant"/> per quadrant.
    /// Labels (a, b) are "a+"/"a-", "b+"/"b-".
    /// </summary>
    public static (float[] X, string[][] Labels) ScrTexts(int perQuadrant, int seed)
    {
        var rng = new Random(seed);
        var x = new List<float>();
        var labels = new List<string[]>();
        foreach (var (a, b) in new[] { (1, 1), (1, -1), (-1, 1), (-1, -1) })
            for (int i = 0; i < perQuadrant; i++)
            {
                x.Add((float)(a + 0.3 * Gauss(rng)));
                x.Add((float)(2 * b + 0.3 * Gauss(rng)));
                for (int j = 2; j < D; j++) x.Add((float)Gauss(rng));
                labels.Add([a > 0 ? "a+" : "a-", b > 0 ? "b+" : "b-"]);
            }
        return ([.. x], [.. labels]);
    }

    /// <summary>TPP texts: class c in 0..3 puts 2 (noise 0.3) on e_c, the other class dims noise 0.3, dims 4..63 noise 1.</summary>
    public static (float[] X, string[][] Labels) TppTexts(int perClass, int seed)
    {
        var rng = new Random(seed);
        var x = new List<float>();
        var labels = new List<string[]>();
        for (int c = 0; c < 4; c++)
            for (int i = 0; i < perClass; i++)
            {
                for (int j = 0; j < 4; j++) x.Add((float)((j == c ? 2 : 0) + 0.3 * Gauss(rng)));
                for (int j = 4; j < D; j++) x.Add((float)Gauss(rng));
                labels.Add([$"class{c}"]);
            }
        return ([.. x], [.. labels]);
    }

    /// <summary>
    /// An SAE with the given decoder rows ([M, D]) whose codes are relu(row . x) (encoder = decoder, no biases).
    /// Codes are computed on the pooled rows directly, which is what a per-token SAE pooled would give for these linear codes
    /// only when every token agrees in sign; the evaluators only read pooled codes, so this is the test's definition.
    /// </summary>
    public static ConceptData Data(float[] x, string[][] labels, float[] decoder)
    {
        var sae = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, D, M, (float[])decoder.Clone(), new float[M], decoder, new float[D]);
        int n = labels.Length;
        var codes = new float[n * M];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < M; j++)
            {
                double dot = 0;
                for (int i = 0; i < D; i++) dot += decoder[j * D + i] * x[r * D + i];
                codes[r * M + j] = (float)Math.Max(0, dot);
            }
        return new ConceptData(x, codes, labels, sae);
    }

    /// <summary>Rows: the planted unit directions first (+e / -e pairs or one per axis), then random unit rows over <paramref name="randomDims"/>.</summary>
    public static float[] Decoder(IReadOnlyList<(int Axis, float Sign)> planted, int[] randomDims, int seed)
    {
        var rng = new Random(seed);
        var w = new float[M * D];
        for (int j = 0; j < M; j++)
        {
            if (j < planted.Count) { w[j * D + planted[j].Axis] = planted[j].Sign; continue; }
            double norm = 0;
            foreach (var i in randomDims) { double v = Gauss(rng); w[j * D + i] = (float)v; norm += v * v; }
            foreach (var i in randomDims) w[j * D + i] /= (float)Math.Sqrt(norm);
        }
        return w;
    }

    public static double Gauss(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
