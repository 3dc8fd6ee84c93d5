using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Evaluation.Preservation;
using MLSae.Interventions;
using MLSae.Persistence;
using MLSae.Scoring;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae intervene`: runs texts through the model with latent edits at the SAE's hook (SAE error kept) and writes,
/// per text, the model's output without and with the edits to intervene.jsonl: sentence embeddings for encoders,
/// next-token logits (top tokens, KL divergence) for causal LMs.
/// </summary>
static class InterveneCommand
{
    public const string FileName = "intervene.jsonl";

    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: training run folder, .onnx, ML.NET model zip, SAELens folder or sparsify folder.", Required = true };
        var model = new Option<string>("--model") { Description = $"The model. {string.Join("; ", ModelSources.ValidForms)}.", Required = true };
        var hook = new Option<string?>("--hook") { Description = "Hook the SAE sits at (default: the SAE's hook)." };
        var data = new Option<string>("--data") { Description = "Texts (.txt, .jsonl, .csv, .parquet or a folder); each text runs as one context.", Required = true };
        var edit = new Option<string>("--edit") { Description = "Latent edits, ';'-separated: zero:J, clamp:J=V, clamp-active:J=V (where the latent fires), scale:J=S, add:J=A (adds A x decoder row J: steering).", Required = true };
        var output = new Option<string>("--out") { Description = $"Folder for {FileName} (refused if the file exists).", Required = true };
        var textField = new Option<string>("--text-field") { Description = "Text field/column of --data.", DefaultValueFactory = _ => "text" };
        var context = new Option<int>("--context") { Description = "Tokens per context (longer texts are truncated).", DefaultValueFactory = _ => DownstreamPreservationDefaults.ContextLength };
        var maxTexts = new Option<int>("--max-texts") { Description = "Run at most this many texts (0: all).", DefaultValueFactory = _ => 0 };
        var top = new Option<int>("--top") { Description = "Causal LMs: next tokens listed per text.", DefaultValueFactory = _ => 10 };
        var command = new Command("intervene", "Run texts with SAE latents edited at the hook (zero, clamp, scale, steer); writes outputs beside the unmodified ones.")
        {
            sae, model, hook, data, edit, output, textField, context, maxTexts, top,
        };
        command.SetAction(parse => Run(parse.GetValue(sae)!, parse.GetValue(model)!, parse.GetValue(hook), parse.GetValue(data)!, parse.GetValue(edit)!,
            parse.GetValue(output)!, parse.GetValue(textField)!, parse.GetValue(context), parse.GetValue(maxTexts), parse.GetValue(top)));
        return command;
    }

    internal static int Run(string saePath, string modelSpec, string? hookName, string dataPath, string editText, string outDir, string textField,
        int context, int maxTexts, int top)
    {
        if (maxTexts < 0) return CliErrors.Usage("intervene", $"--max-texts must be 0 (all) or positive (got {maxTexts}).");
        if (top < 1) return CliErrors.Usage("intervene", $"--top must be positive (got {top}).");
        try
        {
            var intervention = SaeIntervention.Parse(editText);
            if (intervention.Edits.Count == 0) return CliErrors.Usage("intervene", "--edit lists no edits; e.g. --edit \"zero:12;add:40=5\".");
            var weights = SaeLoader.Load(saePath);
            var hook = hookName ?? weights.Info.HookName
                ?? throw new ArgumentException($"The SAE '{saePath}' does not name its hook: pass --hook (e.g. blocks.3.hook_resid_post).");
            var path = Path.Combine(outDir, FileName);
            if (File.Exists(path)) throw new IOException($"{path} exists; choose another --out or remove it first.");
            var model = DownstreamModels.Resolve(modelSpec);
            using var runner = new InterventionRunner(model, hook, weights, intervention, context);
            Directory.CreateDirectory(outDir);
            int written = 0;
            AtomicFile.Write(path, stream =>
            {
                foreach (var doc in CorpusReader.Read(dataPath, textField))
                {
                    if (maxTexts > 0 && written >= maxTexts) break;
                    if (runner.Run(doc.Text) is not { } result) continue;
                    WriteLine(stream, written++, doc.Text, result, runner.IsCausalLm, top, model.Tokenizer);
                }
            });
            AnsiConsole.MarkupLineInterpolated($"{written:N0} texts with {intervention.Edits.Count} edit(s) at {runner.Hook.Name} ({(runner.IsCausalLm ? "next-token logits" : "mean-pooled " + runner.OutputName)}); wrote [green]{path}[/]");
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("intervene", e);
        }
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
                w.WriteNumber("kl_divergence", KlDivergence(r.Original, r.Intervened));
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

    /// <summary>KL(p || q) of the softmaxes of two logit vectors, in double.</summary>
    internal static double KlDivergence(float[] p, float[] q)
    {
        double mp = p.Max(), mq = q.Max(), zp = 0, zq = 0;
        for (int i = 0; i < p.Length; i++) { zp += Math.Exp(p[i] - mp); zq += Math.Exp(q[i] - mq); }
        double lzp = mp + Math.Log(zp), lzq = mq + Math.Log(zq), kl = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double lp = p[i] - lzp;
            kl += Math.Exp(lp) * (lp - (q[i] - lzq));
        }
        return kl;
    }

    static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        return dot / Math.Sqrt(na * nb);
    }
}
