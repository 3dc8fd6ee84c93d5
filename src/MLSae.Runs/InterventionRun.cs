using System.Globalization;
using System.Text.Json;
using MLSae.Activations;
using MLSae.Evaluation;
using MLSae.Evaluation.Preservation;
using MLSae.Interventions;
using MLSae.Persistence;
using MLSae.Scoring;

namespace MLSae.Runs;

/// <summary>Options of <see cref="InterventionRun.Run"/>.</summary>
public sealed record InterventionRunOptions
{
    /// <summary>Options with every default applied.</summary>
    public InterventionRunOptions() { }

    /// <summary>Hook the SAE sits at; null: the hook the SAE records.</summary>
    public string? Hook { get; init; }
    /// <summary>Text field/column of the corpus.</summary>
    public string TextField { get; init; } = InterventionRunDefaults.TextField;
    /// <summary>Tokens per context (longer texts are truncated).</summary>
    public int ContextLength { get; init; } = DownstreamPreservationDefaults.ContextLength;
    /// <summary>Run at most this many texts; 0 runs them all.</summary>
    public int MaxTexts { get; init; }
    /// <summary>Causal LMs: next tokens listed per text, without and with the edits.</summary>
    public int TopTokens { get; init; } = InterventionRunDefaults.TopTokens;
}

/// <summary>Defaults of <see cref="InterventionRunOptions"/>.</summary>
public static class InterventionRunDefaults
{
    /// <summary>The "text" field.</summary>
    public const string TextField = "text";
    /// <summary>Ten next tokens.</summary>
    public const int TopTokens = 10;
}

/// <summary>What <see cref="InterventionRun.Run"/> wrote.</summary>
/// <param name="Texts">Texts run (texts with no tokens are skipped).</param>
/// <param name="Edits">Edits in the intervention.</param>
/// <param name="Hook">The hook the edits were made at.</param>
/// <param name="IsCausalLm">Whether outputs are next-token logits (else mean-pooled embeddings).</param>
/// <param name="OutputName">The model output compared.</param>
/// <param name="Path">The intervene.jsonl written.</param>
public sealed record InterventionRunResult(int Texts, int Edits, string Hook, bool IsCausalLm, string OutputName, string Path);

/// <summary>
/// `mlsae intervene`: runs texts through the model with latent edits at the SAE's hook (SAE error kept) and writes, per
/// text, the model's output without and with the edits to intervene.jsonl (this type owns that file): sentence
/// embeddings and their cosine for encoders, the top next tokens and the KL divergence for causal LMs.
/// </summary>
public static class InterventionRun
{
    /// <summary>The file written into the output folder.</summary>
    public const string FileName = "intervene.jsonl";

    /// <summary>Runs the texts of <paramref name="corpus"/> with <paramref name="intervention"/> and writes <see cref="FileName"/> into <paramref name="outputDirectory"/> (refused when it exists).</summary>
    public static InterventionRunResult Run(string sae, string modelSpec, string corpus, SaeIntervention intervention, string outputDirectory,
        InterventionRunOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(intervention);
        options ??= new InterventionRunOptions();
        if (options.MaxTexts < 0) throw new ArgumentOutOfRangeException(nameof(options), options.MaxTexts, "InterventionRunOptions.MaxTexts must be 0 (all) or positive.");
        if (options.TopTokens < 1) throw new ArgumentOutOfRangeException(nameof(options), options.TopTokens, "InterventionRunOptions.TopTokens must be positive.");
        if (intervention.Edits.Count == 0) throw new ArgumentException("The intervention lists no edits; e.g. \"zero:12;add:40=5\".", nameof(intervention));
        var weights = SaeLoader.Load(sae);
        var hook = options.Hook ?? weights.Info.HookName
            ?? throw new ArgumentException($"The SAE '{sae}' does not name its hook: set InterventionRunOptions.Hook (e.g. blocks.3.hook_resid_post).");
        var path = System.IO.Path.Combine(outputDirectory, FileName);
        if (File.Exists(path)) throw new IOException($"{path} exists; choose another output folder or remove it first.");
        var model = DownstreamModels.Resolve(modelSpec);
        using var runner = new InterventionRunner(model, hook, weights, intervention, options.ContextLength);
        Directory.CreateDirectory(outputDirectory);
        int written = 0;
        AtomicFile.Write(path, stream =>
        {
            foreach (var doc in CorpusReader.Read(corpus, options.TextField))
            {
                if (options.MaxTexts > 0 && written >= options.MaxTexts) break;
                if (runner.Run(doc.Text) is not { } result) continue;
                WriteLine(stream, written++, doc.Text, result, runner.IsCausalLm, options.TopTokens, model.Tokenizer);
            }
        });
        return new InterventionRunResult(written, intervention.Edits.Count, runner.Hook.Name, runner.IsCausalLm, runner.OutputName, path);
    }

    static void WriteLine(Stream stream, int index, string text, InterventionOutput r, bool causal, int top, ModelTokenizer tokenizer)
    {
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("index", index);
            w.WriteNumber("tokens", r.Tokens);
            w.WriteString("text", text.Length > 200 ? text[..200] : text);
            if (causal)
            {
                w.WriteNumber("kl_divergence", PreservationScores.KlDivergence(r.Original, r.Intervened));
                Top(w, "original_next_tokens", r.Original, top, tokenizer);
                Top(w, "intervened_next_tokens", r.Intervened, top, tokenizer);
            }
            else
            {
                w.WriteNumber("cosine", Cosine(r.Original, r.Intervened));
                Vector(w, "original", r.Original);
                Vector(w, "intervened", r.Intervened);
            }
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    static void Vector(Utf8JsonWriter w, string name, float[] v)
    {
        w.WriteStartArray(name);
        foreach (var x in v) w.WriteNumberValue(x);
        w.WriteEndArray();
    }

    static void Top(Utf8JsonWriter w, string name, float[] logits, int top, ModelTokenizer tokenizer)
    {
        w.WriteStartArray(name);
        foreach (var id in Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).Take(top))
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("token", tokenizer.IdToToken(id) ?? id.ToString(CultureInfo.InvariantCulture));
            w.WriteNumber("logit", logits[id]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }
}
