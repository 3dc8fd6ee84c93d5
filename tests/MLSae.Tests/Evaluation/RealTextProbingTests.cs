using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using MLSae.Activations;
using MLSae.Evaluation;
using MLSae.Evaluation.Probing;
using MLSae.Models;
using MLSae.Onnx;

namespace MLSae.Tests.Evaluation;

/// <summary>
/// Sparse probing end to end on real labelled text (Brown corpus, government vs romance paragraphs),
/// with MiniLM's final hidden state standing in for the extraction engine's hook activations.
/// </summary>
public class RealTextProbingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Test-only text source: MiniLM last_hidden_state, [CLS]/[SEP] dropped, 128 tokens max.</summary>
    sealed class MiniLmFinalLayer : ITextActivationSource, IDisposable
    {
        readonly InferenceSession _session = OnnxSessionFactory.Create(MiniLmResources.ModelBytes, new OnnxExecutionOptions { PreferCuda = false });
        readonly BertTokenizer _tokenizer;

        public MiniLmFinalLayer()
        {
            using var vocab = MiniLmResources.OpenVocab();
            _tokenizer = BertTokenizer.Create(vocab);
        }

        public int Dimension => MiniLmResources.HiddenSize;

        public float[] GetTokenActivations(string text, out int tokens)
        {
            var ids = _tokenizer.EncodeToIds(text).Take(127).ToList();
            if (ids[^1] != _tokenizer.SeparatorTokenId) ids.Add(_tokenizer.SeparatorTokenId);
            int t = ids.Count;
            var shape = new[] { 1, t };
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), shape)),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, t).ToArray(), shape)),
                NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[t], shape)),
            };
            using var results = _session.Run(inputs, ["last_hidden_state"]);
            var hidden = results[0].AsTensor<float>().ToArray();
            tokens = t - 2; // special tokens excluded, as the cache does
            return hidden.AsSpan(Dimension, tokens * Dimension).ToArray();
        }

        public void Dispose() => _session.Dispose();
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void BrownGenres_ProbesRunOnRealText_AndRawActivationsSeparateThem()
    {
        var path = RepoPaths.BrownExcerpt;
        var all = LabeledTextReader.Read(path, "label");
        // 100 paragraphs per genre, spread over the file (every n-th), so many documents are present. The fixture holds
        // exactly the rows this chose from the full corpus (every 7th government, every 8th romance), so n is 1 there.
        var texts = new[] { "government", "romance" }
            .SelectMany(p => { var rows = all.Where(t => t.Label == p).ToList(); return rows.Where((_, i) => i % (rows.Count / 100) == 0).Take(100); })
            .ToList();
        Assert.Equal(200, texts.Count);

        using var model = new MiniLmFinalLayer();
        // A random ReLU SAE (d=384, m=256): the test checks the pipeline, not the SAE's quality.
        var w = Reference.RandomWeights(384, 256, SaeActivation.ReLU, 90);
        var data = ProbingDataBuilder.Build(texts, model, new SaeCpuForward(w));
        var result = new SparseProbingEvaluator(new SparseProbingOptions { PositiveClass = "government", KValues = [1, 5, 20] }).Evaluate(data);

        output.WriteLine($"llm all {result.LlmTestAccuracy:F3}; " + string.Join("; ", result.LlmTopK.Select(kv => $"llm top{kv.Key} {kv.Value:F3}"))
            + "; " + string.Join("; ", result.SaeTopK.Select(kv => $"sae top{kv.Key} {kv.Value:F3}")) + $"; sae all {result.SaeTestAccuracy:F3}");
        var task = Assert.Single(result.Tasks);
        Assert.Equal(20, task.TestPerClass);
        Assert.True(result.LlmTestAccuracy > 0.8, $"raw MiniLM probe accuracy {result.LlmTestAccuracy}");
        Assert.All(result.SaeTopK.Values, a => Assert.InRange(a, 0.0, 1.0));
    }
}
