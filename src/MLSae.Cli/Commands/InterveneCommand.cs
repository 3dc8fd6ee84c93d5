using System.CommandLine;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Evaluation.Preservation;
using MLSae.Interventions;
using MLSae.Runs;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>
/// `mlsae intervene`: runs texts through the model with latent edits at the SAE's hook (SAE error kept) and writes,
/// per text, the model's output without and with the edits to intervene.jsonl: sentence embeddings for encoders,
/// next-token logits (top tokens, KL divergence) for causal LMs.
/// </summary>
static class InterveneCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "The SAE: training run folder, .onnx, ML.NET model zip, SAELens folder or sparsify folder.", Required = true };
        var model = new Option<string>("--model") { Description = $"The model. {string.Join("; ", ModelSources.ValidForms)}.", Required = true };
        var hook = new Option<string?>("--hook") { Description = "Hook the SAE sits at (default: the SAE's hook)." };
        var data = new Option<string>("--data") { Description = "Texts (.txt, .jsonl, .csv, .parquet or a folder); each text runs as one context.", Required = true };
        var edit = new Option<string>("--edit") { Description = "Latent edits, ';'-separated: zero:J, clamp:J=V, clamp-active:J=V (where the latent fires), scale:J=S, add:J=A (adds A x decoder row J: steering).", Required = true };
        var output = new Option<string>("--out") { Description = $"Folder for {InterventionRun.FileName} (refused if the file exists).", Required = true };
        var textField = new Option<string>("--text-field") { Description = "Text field/column of --data.", DefaultValueFactory = _ => "text" };
        var context = new Option<int>("--context") { Description = "Tokens per context (longer texts are truncated).", DefaultValueFactory = _ => DownstreamPreservationDefaults.ContextLength };
        var maxTexts = new Option<int>("--max-texts") { Description = "Run at most this many texts (0: all).", DefaultValueFactory = _ => 0 };
        var top = new Option<int>("--top") { Description = "Causal LMs: next tokens listed per text.", DefaultValueFactory = _ => InterventionRunDefaults.TopTokens };
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
        try
        {
            var options = new InterventionRunOptions { Hook = hookName, TextField = textField, ContextLength = context, MaxTexts = maxTexts, TopTokens = top };
            var r = InterventionRun.Run(saePath, modelSpec, dataPath, SaeIntervention.Parse(editText), outDir, options);
            AnsiConsole.MarkupLineInterpolated($"{r.Texts:N0} texts with {r.Edits} edit(s) at {r.Hook} ({(r.IsCausalLm ? "next-token logits" : "mean-pooled " + r.OutputName)}); wrote [green]{r.Path}[/]");
            return 0;
        }
        catch (Exception e)
        {
            return CliErrors.Fail("intervene", e);
        }
    }
}
