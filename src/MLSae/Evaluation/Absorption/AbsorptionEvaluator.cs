using MLSae.Activations;
using MLSae.Diagnostics;
using MLSae.Models;

namespace MLSae.Evaluation.Absorption;

/// <summary>
/// First-letter feature absorption (SAEBench's procedure as far as the model's vocabulary allows):
/// <list type="number">
/// <item>task words and their activations at the word token of an in-context prompt (<see cref="WordActivations.Collect"/>);</item>
/// <item>a 26-way one-vs-rest letter probe on the training words' activations (<see cref="LetterProbe"/>);</item>
/// <item>per letter, main latents by k-sparse probing on the SAE codes (<see cref="AbsorptionAggregator.SelectMainLatents"/>);</item>
/// <item>the letter's test words that the probe accepts (logit &gt; 0) are scored (<see cref="AbsorptionScorer"/>);</item>
/// <item>per-letter means, then means and standard deviations over letters (<see cref="AbsorptionAggregator.Summarize"/>).</item>
/// </list>
/// Memory: the words' activations and codes, words x (d + m) floats (MaxWords bounds it).
/// </summary>
public sealed class AbsorptionEvaluator
{
    const int CodeBatch = 256;
    readonly AbsorptionEvaluatorOptions _options;

    /// <summary>An evaluator with <paramref name="options"/> (default: SAEBench's settings).</summary>
    public AbsorptionEvaluator(AbsorptionEvaluatorOptions? options = null) => _options = (options ?? new AbsorptionEvaluatorOptions()).Validated();

    /// <summary>The options in force.</summary>
    public AbsorptionEvaluatorOptions Options => _options;

    /// <summary>Runs the whole evaluation: the task through <paramref name="model"/> at <paramref name="hook"/>, then <paramref name="sae"/>.</summary>
    public AbsorptionResult Evaluate(TransformerModel model, string hook, SaeWeights sae, ISaeForward? forward = null, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(sae);
        var data = WordActivations.Collect(model, hook, _options, progress);
        if (data.Dimension != sae.InputDim)
            throw new ArgumentException($"Hook '{hook}' of {model.Name} has d={data.Dimension} but the SAE reads d={sae.InputDim}; pass the SAE's own model and hook.");
        return Score(data, sae, forward, progress);
    }

    /// <summary>
    /// Probe, main latents and scoring on given word activations (the stage after the model). <paramref name="forward"/>, if
    /// given, must produce <paramref name="sae"/>'s own codes (not a <see cref="UnitRowSaeForward"/>): decoder row lengths are
    /// applied here.
    /// </summary>
    public AbsorptionResult Score(WordActivations data, SaeWeights sae, ISaeForward? forward = null, IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(sae);
        int d = data.Dimension, m = sae.FeatureCount, n = data.Words.Count;
        if (d != sae.InputDim) throw new ArgumentException($"Word activations have d={d} but the SAE reads d={sae.InputDim}.", nameof(sae));
        if (data.Train.Length == 0 || data.Test.Length == 0) throw new ArgumentException($"Need training and test words; got {data.Train.Length} and {data.Test.Length}.", nameof(data));
        var labels = data.Words.Select(w => w.LetterIndex).ToArray();

        var probe = LetterProbe.Fit(data.Activations, d, labels, data.Train, 26, _options.ProbeL2);
        var letters = _options.Letters.Distinct().ToArray();
        var evaluated = new bool[26];
        foreach (var c in letters) evaluated[c - 'a'] = true;
        int correct = 0, tested = 0;
        foreach (var r in data.Test)
        {
            if (!evaluated[labels[r]]) continue;
            tested++;
            if (probe.Predict(Row(data.Activations, d, r)) == labels[r]) correct++;
        }

        forward ??= new SaeCpuForward(sae);
        var codes = new float[(long)n * m];
        var recon = new float[CodeBatch * d];
        for (int s = 0; s < n; s += CodeBatch)
        {
            int rows = Math.Min(CodeBatch, n - s);
            forward.Run(data.Activations.AsSpan(s * d, rows * d), rows, codes.AsSpan((int)((long)s * m), rows * m), recon.AsSpan(0, rows * d));
        }

        // Everything below works on the equivalent unit-row SAE (SAEBench's convention): codes f_i ||W_dec[i]|| (folded in
        // place: main latents are ranked by code means across latents) and decoder rows W_dec[i] / ||W_dec[i]||.
        var norms = DecoderNorms.Of(sae);
        DecoderNorms.Fold(codes, n, norms);
        var unitDecoder = DecoderNorms.UnitRows(sae, norms);

        var details = new List<LetterAbsorption>();
        var scored = new List<AbsorptionAggregator.LetterResult>();
        for (int li = 0; li < letters.Length; li++)
        {
            int c = letters[li] - 'a';
            var isLetter = labels.Select(l => l == c).ToArray();
            int trainPos = data.Train.Count(r => isLetter[r]), testPos = data.Test.Count(r => isLetter[r]);
            if (trainPos == 0 || testPos == 0 || trainPos == data.Train.Length)
            {
                details.Add(new LetterAbsorption(letters[li], trainPos, testPos, 0, [], 0, 0));
                continue;
            }
            var main = AbsorptionAggregator.SelectMainLatents(codes, m, isLetter, data.Train, data.Test, _options.Scoring);
            var scorer = new AbsorptionScorer(unitDecoder, m, probe.Direction(c), main, _options.Scoring);
            var words = new List<WordAbsorption>();
            foreach (var r in data.Test)
            {
                if (!isLetter[r] || !(probe.Score(Row(data.Activations, d, r), c) > 0)) continue;
                words.Add(scorer.Score(Row(data.Activations, d, r), codes.AsSpan((int)((long)r * m), m)));
            }
            var result = new AbsorptionAggregator.LetterResult(letters[li].ToString(), main, words);
            details.Add(new LetterAbsorption(letters[li], trainPos, testPos, words.Count, main, result.MeanAbsorptionFraction, words.Count(w => w.IsFullAbsorption)));
            if (words.Count > 0) scored.Add(result);   // SAEBench's per-letter means exist only for letters with probe true positives
            progress?.Report(new ProgressInfo(li + 1, letters.Length, "letters", "absorption"));
        }
        if (scored.Count == 0)
            throw new InvalidOperationException("The letter probe accepted no test word of any evaluated letter, so nothing could be scored; use more words (MaxWords) or another hook.");
        return new AbsorptionResult
        {
            Metrics = AbsorptionAggregator.Summarize(scored), Letters = details,
            Words = n, TrainWords = data.Train.Length, TestWords = data.Test.Length,
            ProbeTestAccuracy = tested == 0 ? double.NaN : (double)correct / tested,
        };
    }

    static ReadOnlySpan<float> Row(float[] x, int d, int r) => x.AsSpan((int)((long)r * d), d);
}
