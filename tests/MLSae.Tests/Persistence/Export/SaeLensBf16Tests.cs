using MLSae.Models;
using MLSae.Scoring;
using MLSae.Tests.Scoring;
using static MLSae.Tests.Persistence.Export.PythonFiles;

namespace MLSae.Tests.Persistence.Export;

/// <summary>
/// An SAELens 6 JumpReLU folder in bfloat16, hand-built as SAE.save_model writes it (jbloomAus/SAELens
/// sae_lens/saes/sae.py: cfg.json = json.dump(cfg.to_dict()) with "metadata" and "architecture"; sae_weights.safetensors =
/// save_file(state_dict): W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_in], b_dec, threshold; sparsity.safetensors with
/// log10 feature frequencies), compared with SAELens's JumpReLU encode (relu(pre) * (pre &gt; threshold)) in double.
/// </summary>
public class SaeLensBf16Tests
{
    const int D = 6, M = 16;

    [Fact]
    public void Bf16JumpReLUFolder_WithANegativeThreshold_GivesSaeLensCodes()
    {
        var dir = RepoPaths.NewTempDir("saelens-bf16");
        File.WriteAllText(Path.Combine(dir, "cfg.json"), $$"""
            {"d_in": {{D}}, "d_sae": {{M}}, "dtype": "bfloat16", "device": "cpu", "apply_b_dec_to_input": true, "normalize_activations": "none",
             "reshape_activations": "none", "metadata": {"sae_lens_version": "6.12.0", "sae_lens_training_version": "6.12.0", "model_name": "pythia-70m",
             "hook_name": "blocks.3.hook_resid_post", "context_size": 128, "prepend_bos": true}, "architecture": "jumprelu"}
            """);
        var wEnc = Bf16Exact(D * M, 1, 0.6);   // [d_in, d_sae]
        var bEnc = Bf16Exact(M, 2, 0.3);
        var wDec = Bf16Exact(M * D, 3, 0.6);
        var bDec = Bf16Exact(D, 4, 0.2);
        var threshold = Bf16Exact(M, 5, 0.15, 0.1);
        threshold[2] = -0.25f;   // SAELens keeps relu(pre) for pre in (t, 0): 0, as MLSae's pre * (pre > max(t, 0))
        SafeTensors(Path.Combine(dir, "sae_weights.safetensors"),
            new("W_enc", [D, M], wEnc, "BF16"), new("b_enc", [M], bEnc, "BF16"), new("W_dec", [M, D], wDec, "BF16"),
            new("b_dec", [D], bDec, "BF16"), new("threshold", [M], threshold, "BF16"));
        var logFreq = Enumerable.Range(0, M).Select(i => (float)Math.Log10(0.3 / (i + 1) + 1e-10)).ToArray();
        SafeTensors(Path.Combine(dir, "sparsity.safetensors"), new Tensor("sparsity", [M], logFreq));

        var w = SaeLoader.Load(dir);
        Assert.Equal((SaeActivation.JumpReLU, D, M, "blocks.3.hook_resid_post"), (w.Activation, w.InputDim, w.FeatureCount, w.Info.HookName));
        for (int i = 0; i < M; i++) Assert.Equal(0.3 / (i + 1), w.Info.FeatureFrequencies![i], 6);

        var x = TestSaes.Activations(40, D, seed: 9);
        int negativeSeen = 0;
        for (int r = 0; r < 40; r++)
        {
            var got = TestSaes.Encode(w, x.AsSpan(r * D, D));
            for (int i = 0; i < M; i++)
            {
                double pre = bEnc[i];
                for (int j = 0; j < D; j++) pre += (double)wEnc[j * M + i] * (x[r * D + j] - (double)bDec[j]);
                double expected = pre > threshold[i] ? Math.Max(0, pre) : 0;
                if (i == 2 && pre > threshold[i] && pre < 0) negativeSeen++;
                Assert.True(Math.Abs(got[i] - expected) <= 1e-9, $"row {r} feature {i}: {got[i]} vs SAELens {expected}");
            }
        }
        Assert.True(negativeSeen > 0, "no row exercised the negative threshold");
    }
}
