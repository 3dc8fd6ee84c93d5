using MLSae.Evaluation;

namespace MLSae.Tests.Evaluation;

public class PreservationScoresTests
{
    [Fact]
    public void Scores_AreZeroForAblation_AndOneForPerfect()
    {
        Assert.Equal(0.0, PreservationScores.KlDivScore(klSae: 0.8, klAblation: 0.8), 15);
        Assert.Equal(1.0, PreservationScores.KlDivScore(klSae: 0.0, klAblation: 0.8), 15);
        Assert.Equal(0.75, PreservationScores.KlDivScore(klSae: 0.2, klAblation: 0.8), 15);
        Assert.Equal(0.0, PreservationScores.CeLossScore(ceSae: 5.0, ceAblation: 5.0, ceOriginal: 3.0), 15);
        Assert.Equal(1.0, PreservationScores.CeLossScore(ceSae: 3.0, ceAblation: 5.0, ceOriginal: 3.0), 15);
        Assert.Equal(0.25, PreservationScores.CeLossScore(ceSae: 4.5, ceAblation: 5.0, ceOriginal: 3.0), 15);
        Assert.True(double.IsNaN(PreservationScores.KlDivScore(0.1, 0)));
        var p = PreservationMetrics.FromRaw(0.2, 0.8, 4.5, 5.0, 3.0, 10);
        Assert.Equal(0.75, p.KlDivScore, 15);
        Assert.Equal(0.25, p.CeLossScore, 15);
    }

    [Fact]
    public void KlAndCe_MatchDirectSoftmax()
    {
        float[] a = [2.0f, -1.0f, 0.5f, 3.0f];
        float[] b = [1.0f, 0.0f, 0.0f, 2.5f];
        double[] p = Softmax(a), q = Softmax(b);
        double kl = 0;
        for (int i = 0; i < 4; i++) kl += p[i] * Math.Log(p[i] / q[i]);
        Assert.Equal(kl, PreservationScores.KlDivergence(a, b), 12);
        Assert.Equal(0.0, PreservationScores.KlDivergence(a, a), 12);
        Assert.Equal(-Math.Log(p[3]), PreservationScores.CrossEntropy(a, 3), 12);
        // Shift invariance and no overflow at large logits.
        float[] big = [1002.0f, 999.0f, 1000.5f, 1003.0f];
        Assert.Equal(-Math.Log(p[3]), PreservationScores.CrossEntropy(big, 3), 5);
    }

    static double[] Softmax(float[] l)
    {
        var e = l.Select(v => Math.Exp(v)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }
}
