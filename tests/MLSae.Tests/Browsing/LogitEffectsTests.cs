using MLSae.Activations;
using MLSae.Browsing;
using MLSae.Models;
using MLSae.Tests.Evaluation.Preservation;

namespace MLSae.Tests.Browsing;

/// <summary>W_dec[i] . W_U: a hand-worked case, and W_U read from the tiny GPT-NeoX graph's initializers.</summary>
public sealed class LogitEffectsTests
{
    [Fact]
    public void TopAndBottomTokensOfAHandWorkedProduct()
    {
        // d = 2, vocab = 4. W_U columns: t0 = (1, 0), t1 = (0, 1), t2 = (1, 1), t3 = (-1, 0).
        float[] wu = [1, 0, 1, -1,
                      0, 1, 1, 0];
        // Feature 0 = (2, -1): logits 2, -1, 1, -2. Feature 1 = (0, 3): logits 0, 3, 3, 0 (tie: lower id first).
        var weights = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, 2, 2, new float[4], new float[2], [2, -1, 0, 3], new float[2]);
        var effects = LogitEffects.Compute(weights, new Unembedding(wu, 2, 4), 2, id => id == 3 ? null : "t" + id);
        Assert.Equal([new TokenLogit(0, "t0", 2), new TokenLogit(2, "t2", 1)], effects[0].Top);
        Assert.Equal([new TokenLogit(3, null, -2), new TokenLogit(1, "t1", -1)], effects[0].Bottom);
        Assert.Equal([1, 2], effects[1].Top.Select(t => t.TokenId));
        Assert.Equal([0, 3], effects[1].Bottom.Select(t => t.TokenId));
    }

    [Fact]
    public void TheUnembeddingOfTheTinyGptNeoXIsItsEmbedOutTransposed_AndEncodersHaveNone()
    {
        var (tiny, dir) = SpliceFixture.Tiny();
        var model = ModelSources.FromGptNeoXCheckpoint(dir, logitsOnly: true);
        var u = Unembedding.FromModel(model)!;
        Assert.Equal((tiny.D, tiny.Vocab), (u.InputDim, u.Vocab));
        var embedOut = tiny.W["embed_out.weight"];   // [vocab, d]
        for (int v = 0; v < tiny.Vocab; v++)
            for (int k = 0; k < tiny.D; k++) Assert.Equal(embedOut[v * tiny.D + k], u.Weights[k * tiny.Vocab + v]);

        // An SAE's logit effect against a plain double loop over embed_out.
        var rng = new Random(3);
        int m = 5;
        var dec = Enumerable.Range(0, m * tiny.D).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var weights = new SaeWeights(SaeArchitecture.Standard, SaeActivation.ReLU, tiny.D, m, new float[m * tiny.D], new float[m], dec, new float[tiny.D]);
        var effects = LogitEffects.Compute(weights, u, 3, _ => null);
        for (int i = 0; i < m; i++)
        {
            var logits = Enumerable.Range(0, tiny.Vocab).Select(v => Enumerable.Range(0, tiny.D).Sum(k => (double)dec[i * tiny.D + k] * embedOut[v * tiny.D + k])).ToArray();
            var top = Enumerable.Range(0, tiny.Vocab).OrderByDescending(v => logits[v]).Take(3).ToArray();
            Assert.Equal(top, effects[i].Top.Select(t => t.TokenId));
            for (int j = 0; j < 3; j++) Assert.Equal(logits[top[j]], effects[i].Top[j].Value, 4);
            Assert.Equal(Enumerable.Range(0, tiny.Vocab).OrderBy(v => logits[v]).Take(3), effects[i].Bottom.Select(t => t.TokenId));
        }

        Assert.Null(Unembedding.FromModel(ModelSources.Resolve(MiniLmResources.Name)));
    }
}
