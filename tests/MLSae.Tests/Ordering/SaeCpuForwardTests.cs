using MLSae.Models;

namespace MLSae.Tests.Ordering;

public class SaeCpuForwardTests
{
    [Theory]
    [InlineData(SaeActivation.ReLU, 0, 13)]
    [InlineData(SaeActivation.JumpReLU, 0, 13)]
    [InlineData(SaeActivation.TopK, 4, 13)]
    [InlineData(SaeActivation.ReLU, 0, 64)]   // large enough for the parallel path
    public void MatchesDoublePrecisionLoops(SaeActivation act, int k, int rows)
    {
        int d = act == SaeActivation.ReLU && rows == 64 ? 128 : 8, m = act == SaeActivation.ReLU && rows == 64 ? 600 : 20;
        var w = PostHocTestData.RandomSae(d, m, 5, act, k);
        var x = PostHocTestData.RandomRows(rows, d, 6);
        var codes = new float[rows * m];
        var xhat = new float[rows * d];
        new SaeCpuForward(w).Forward(x, rows, codes, xhat);
        int nonzero = 0;
        for (int r = 0; r < rows; r++)
        {
            var f = PostHocTestData.Encode(w, x, r);
            var xh = PostHocTestData.Decode(w, f);
            for (int i = 0; i < m; i++)
            {
                Assert.True(Math.Abs(f[i] - codes[r * m + i]) <= 1e-5 * (1 + Math.Abs(f[i])), $"code r{r} i{i}: {codes[r * m + i]} vs {f[i]}");
                if (f[i] != 0) nonzero++;
            }
            for (int j = 0; j < d; j++)
                Assert.True(Math.Abs(xh[j] - xhat[r * d + j]) <= 1e-4 * (1 + Math.Abs(xh[j])), $"xhat r{r} j{j}: {xhat[r * d + j]} vs {xh[j]}");
        }
        Assert.True(nonzero > 0);
        if (act == SaeActivation.TopK) Assert.True(nonzero <= rows * k);
    }

    [Fact]
    public void RejectsWrongShapes()
    {
        var w = PostHocTestData.RandomSae(4, 6, 1);
        var fwd = new SaeCpuForward(w);
        var e = Assert.Throws<ArgumentException>(() => fwd.Encode(new float[7], 2, new float[12]));
        Assert.Contains("2 rows of d=4 need 8", e.Message);
    }
}
