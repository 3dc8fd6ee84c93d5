using MLSae.Interventions;
using MLSae.Models;

namespace MLSae.Tests.Interventions;

/// <summary>The C# form of an intervention (used by SCR/TPP) against hand-worked rows, and the CLI syntax.</summary>
public class SaeInterventionTests
{
    // d = 2, m = 3: W_dec rows (1, 0), (0, 2), (1, 1); b_dec = (5, 5) (cancels).
    static readonly SaeWeights Sae = new(SaeArchitecture.Standard, SaeActivation.ReLU, 2, 3, new float[6], new float[3], [1, 0, 0, 2, 1, 1], [5, 5]);

    [Fact]
    public void Apply_AddsTheCodeChangeTimesTheDecoderRows()
    {
        float[] x = [10, 20];
        float[] f = [3, 0, 2];   // latent 1 silent
        // zero 0: -3 (1,0); clamp-active 1 (silent) = -7: nothing; scale 2 by 0.5: -1 (1,1) => (10 - 3 - 1, 20 - 1) = (6, 19).
        new SaeIntervention([LatentEdit.Zero(0), LatentEdit.ClampActive(1, -7), LatentEdit.Scale(2, 0.5f)]).Apply(Sae, x, f, 1);
        Assert.Equal([6f, 19f], x);
        float[] y = [10, 20];
        // clamp 1 = 4 everywhere: +4 (0,2); add 0 by 1.5: +1.5 (1,0) => (11.5, 28).
        new SaeIntervention([LatentEdit.Clamp(1, 4), LatentEdit.Add(0, 1.5f)]).Apply(Sae, y, f, 1);
        Assert.Equal([11.5f, 28f], y);
    }

    [Fact]
    public void Parse_ReadsEveryKind_AndNamesBadEdits()
    {
        var i = SaeIntervention.Parse("zero:3; clamp:4=-2.5, clamp-active:5=-10;scale:6=2;add:7=1e1");
        Assert.Equal([LatentEdit.Zero(3), LatentEdit.Clamp(4, -2.5f), LatentEdit.ClampActive(5, -10), LatentEdit.Scale(6, 2), LatentEdit.Add(7, 10)], i.Edits);
        Assert.False(i.IsLinear);
        Assert.True(SaeIntervention.Parse("zero:1,add:2=3").IsLinear);
        Assert.Contains("'x'", Assert.Throws<FormatException>(() => SaeIntervention.Parse("zero:x")).Message);
        Assert.Contains("unknown kind 'mute'", Assert.Throws<FormatException>(() => SaeIntervention.Parse("mute:3")).Message);
        Assert.Contains("needs a number", Assert.Throws<FormatException>(() => SaeIntervention.Parse("scale:3")).Message);
        Assert.Contains("m = 3", Assert.Throws<ArgumentOutOfRangeException>(() => SaeIntervention.Parse("zero:3").Validate(3)).Message);
    }
}
