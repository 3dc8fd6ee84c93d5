using MLSae.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLSae.Training;

/// <summary>
/// Dead-feature resampling for the standard SAE (Anthropic's April 2023 update, as in dictionary_learning):
/// features silent for a window are re-initialised toward inputs the SAE reconstructs badly
/// (sampled with probability proportional to squared loss), and their Adam moments are reset.
/// </summary>
static class DeadFeatureResampler
{
    public static int Resample(SaeModule sae, Adam optimizer, Tensor x, long windowTokens, ref SplitMix64 rng)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var deadIdx = (sae.TokensSinceFired >= windowTokens).nonzero().flatten();
        int nDead = (int)Math.Min(deadIdx.shape[0], x.shape[0]);
        if (nDead == 0) return 0;
        // Dead features in order of their original index, not their current one: which features are resampled, and
        // which input each gets, must not depend on reorders, or exact reordering would stop being a symmetry.
        var byOriginal = sae.OriginalIndex.index_select(0, deadIdx).argsort();
        deadIdx = deadIdx.index_select(0, byOriginal).narrow(0, 0, nDead);
        var losses = ReconstructionLosses(sae, x);
        var chosen = SampleWithoutReplacement(losses, nDead, ref rng);
        var inputs = x.index_select(0, tensor(chosen, device: x.device));
        var directions = inputs / inputs.norm(1, keepdim: true).clamp_min(1e-12);
        var alive = (sae.TokensSinceFired < windowTokens);
        double aliveEncNorm = alive.any().item<bool>() ? sae.W_enc.index_select(0, alive.nonzero().flatten()).norm(1).mean().item<float>() : 1.0;
        sae.W_dec.index_copy_(0, deadIdx, directions);
        sae.W_enc.index_copy_(0, deadIdx, directions * (aliveEncNorm * 0.2));
        sae.b_enc.index_fill_(0, deadIdx, 0);
        sae.TokensSinceFired.index_fill_(0, deadIdx, 0);
        var states = optimizer.state_dict().State;
        int i = 0;
        foreach (var p in sae.parameters())
        {
            var s = (Adam.State)states[i++];
            if (ReferenceEquals(p, sae.W_enc) || ReferenceEquals(p, sae.W_dec) || ReferenceEquals(p, sae.b_enc) || p.shape[0] == sae.FeatureCount && p.shape.Length >= 1 && !ReferenceEquals(p, sae.b_dec))
            {
                s.exp_avg.index_fill_(0, deadIdx, 0);
                s.exp_avg_sq.index_fill_(0, deadIdx, 0);
            }
        }
        return nDead;
    }

    // Per-token squared errors, squared, in float32 whatever the training precision: a bf16 decoder product rounds its
    // output after summing over features in storage order, so its losses (and the sampled inputs) would depend on the order.
    static double[] ReconstructionLosses(SaeModule sae, Tensor x)
    {
        var precision = sae.Precision;
        sae.Precision = TrainingPrecision.Fp32;
        try { return (x - sae.Decode(sae.Encode(x))).square().sum(1).square().to(ScalarType.Float64).cpu().data<double>().ToArray(); }
        finally { sae.Precision = precision; }
    }

    static long[] SampleWithoutReplacement(double[] weights, int count, ref SplitMix64 rng)
    {
        var w = (double[])weights.Clone();
        var result = new long[count];
        for (int c = 0; c < count; c++)
        {
            double total = w.Sum();
            int pick = 0;
            if (total > 0)
            {
                double u = rng.NextDouble() * total;
                for (pick = 0; pick < w.Length - 1 && (u -= w[pick]) > 0; pick++) { }
            }
            else
                while (pick < w.Length - 1 && w[pick] < 0) pick++;
            result[c] = pick;
            w[pick] = total > 0 ? 0 : -1;
        }
        return result;
    }
}
