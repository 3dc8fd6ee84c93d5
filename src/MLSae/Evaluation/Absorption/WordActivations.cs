using MLSae.Activations;
using MLSae.Diagnostics;

namespace MLSae.Evaluation.Absorption;

/// <summary>
/// Activations of the first-letter task: one row per word, read at the query word's token of its prompt.
/// </summary>
/// <param name="Words">The words, row order.</param>
/// <param name="Activations">[Words.Count, Dimension] row-major.</param>
/// <param name="Dimension">d.</param>
/// <param name="Train">Rows used to train the probes.</param>
/// <param name="Test">Rows the probes are tested on and absorption is scored on.</param>
public sealed record WordActivations(IReadOnlyList<FirstLetterWord> Words, float[] Activations, int Dimension, int[] Train, int[] Test)
{
    /// <summary>
    /// Builds the task on <paramref name="model"/>'s vocabulary and runs it at <paramref name="hook"/>: word list
    /// (<see cref="FirstLetterVocabulary.FromTokenizer"/>), a seeded sample of at most MaxWords, the split,
    /// in-context examples drawn from the word's own split (never the word itself), one prompt per word.
    /// Words whose prompt does not keep them as one token are dropped.
    /// </summary>
    public static WordActivations Collect(TransformerModel model, string hook, AbsorptionEvaluatorOptions? options = null,
        IProgress<ProgressInfo>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = (options ?? new AbsorptionEvaluatorOptions()).Validated();
        var all = FirstLetterVocabulary.FromTokenizer(model.Tokenizer, o.MinWordLength);
        if (all.Count < 2)
            throw new InvalidDataException($"{model.Name}'s vocabulary has {all.Count} single-token lowercase words of at least {o.MinWordLength} letters; first-letter absorption needs many.");
        var rng = new Random(o.Seed);
        var words = all.ToArray();
        if (o.MaxWords > 0 && words.Length > o.MaxWords)
        {
            rng.Shuffle(words);
            words = [.. words.Take(o.MaxWords).OrderBy(w => w.TokenId)];
        }
        var (train, test) = FirstLetterVocabulary.Split(words.Length, o.TrainFraction, o.Seed);
        var isTrain = new bool[words.Length];
        foreach (var i in train) isTrain[i] = true;

        var examples = new Random(o.Seed + 1);
        var prompts = new PromptTokens?[words.Length];
        foreach (var group in new[] { train, test })
        {
            var pool = group.Select(i => words[i]).ToArray();
            foreach (var i in group)
            {
                var chosen = Examples(pool, words[i], o.IclExamples, examples);
                prompts[i] = FirstLetterPrompt.Tokenize(model, words[i], chosen, o.PromptTemplate);
            }
        }
        var keep = Enumerable.Range(0, words.Length).Where(i => prompts[i] is not null).ToArray();
        if (keep.Length == 0) throw new InvalidDataException($"No word of {model.Name}'s vocabulary stays one token inside the prompt '{o.PromptTemplate}'.");
        int maxLen = keep.Max(i => prompts[i]!.Ids.Length);
        if (maxLen > model.MaxPositions)
            throw new ArgumentException($"The longest prompt has {maxLen} tokens but {model.Name} takes {model.MaxPositions}; use fewer in-context examples.");

        using var extractor = new ActivationExtractor(model, hook, new ExtractionOptions { ContextLength = maxLen, BatchSize = o.BatchSize });
        int d = extractor.Dimension;
        var x = new float[(long)keep.Length * d];
        var ids = new long[o.BatchSize * maxLen];
        var mask = new long[ids.Length];
        long pad = model.SpecialTokens.Pad ?? 0;
        for (int start = 0; start < keep.Length; start += o.BatchSize)
        {
            int b = Math.Min(o.BatchSize, keep.Length - start);
            int t = 0;
            for (int r = 0; r < b; r++) t = Math.Max(t, prompts[keep[start + r]]!.Ids.Length);
            for (int r = 0; r < b; r++)
            {
                var p = prompts[keep[start + r]]!.Ids;
                for (int k = 0; k < t; k++)
                {
                    ids[r * t + k] = k < p.Length ? p[k] : pad;
                    mask[r * t + k] = k < p.Length ? 1 : 0;
                }
            }
            var output = extractor.Forward(ids, mask, b, t);
            for (int r = 0; r < b; r++)
            {
                int pos = prompts[keep[start + r]]!.WordPosition;
                output.AsSpan((r * t + pos) * d, d).CopyTo(x.AsSpan((int)((long)(start + r) * d), d));
            }
            progress?.Report(new ProgressInfo(start + b, keep.Length, "words", "prompts"));
        }

        var kept = keep.Select(i => words[i]).ToArray();
        var newTrain = Enumerable.Range(0, keep.Length).Where(r => isTrain[keep[r]]).ToArray();
        var newTest = Enumerable.Range(0, keep.Length).Where(r => !isTrain[keep[r]]).ToArray();
        return new WordActivations(kept, x, d, newTrain, newTest);
    }

    // A seeded sample of `count` examples from the word's own split, never the word itself (SAEBench checks contamination).
    static FirstLetterWord[] Examples(FirstLetterWord[] pool, FirstLetterWord word, int count, Random rng)
    {
        var candidates = pool.Where(p => p.TokenId != word.TokenId).ToArray();
        count = Math.Min(count, candidates.Length);
        var chosen = new FirstLetterWord[count];
        // Partial Fisher-Yates: the first `count` slots end up a uniform sample.
        for (int i = 0; i < count; i++)
        {
            int j = rng.Next(i, candidates.Length);
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
            chosen[i] = candidates[i];
        }
        return chosen;
    }
}
