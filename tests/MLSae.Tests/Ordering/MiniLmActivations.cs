using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using MLSae.Activations;
using MLSae.Onnx;

namespace MLSae.Tests.Ordering;

/// <summary>Real activations for ordering tests: MiniLM-L6 last_hidden_state on Brown corpus paragraphs (special tokens dropped).</summary>
static class MiniLmActivations
{
    static readonly Lazy<float[]> s_rows = new(() => Compute(4096));

    /// <summary>About 4096 rows of d = 384, computed once per test process.</summary>
    public static float[] Rows => s_rows.Value;

    static float[] Compute(int maxTokens)
    {
        using var vocab = MiniLmResources.OpenVocab();
        var tokenizer = BertTokenizer.Create(vocab);
        using var session = OnnxSessionFactory.Create(MiniLmResources.ModelBytes);
        var rows = new List<float>();
        int tokens = 0;
        foreach (var line in File.ReadLines(RepoPaths.BrownExcerpt))
        {
            if (tokens >= maxTokens) break;
            var text = JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!;
            var ids = tokenizer.EncodeToIds(text).Where(i => i != tokenizer.ClassificationTokenId && i != tokenizer.SeparatorTokenId).Take(126).ToList();
            ids.Insert(0, tokenizer.ClassificationTokenId);
            ids.Add(tokenizer.SeparatorTokenId);
            int t = ids.Count;
            var inputs = new[]
            {
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [1, t])),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, t).ToArray(), [1, t])),
                NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[t], [1, t])),
            };
            using var results = session.Run(inputs, ["last_hidden_state"]);
            var hidden = results.First().AsTensor<float>().ToArray();
            for (int p = 1; p < t - 1 && tokens < maxTokens; p++, tokens++)
                rows.AddRange(hidden.AsSpan(p * MiniLmResources.HiddenSize, MiniLmResources.HiddenSize).ToArray());
        }
        return [.. rows];
    }
}
