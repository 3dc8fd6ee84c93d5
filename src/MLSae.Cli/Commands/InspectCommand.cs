using System.CommandLine;
using MLSae.Activations;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae inspect --model M`: the model's inputs, special tokens and resolvable hooks with shapes.</summary>
static class InspectCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"Model: {string.Join("; ", ModelSources.ValidForms)}.", DefaultValueFactory = _ => MiniLmResources.Name };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file (vocab.txt or tokenizer.json) for onnx: models." };
        var command = new Command("inspect", "List a model's resolvable hook points (TransformerLens names) with their ONNX tensors and shapes.") { model, tokenizer };
        command.SetAction(r => Run(r.GetValue(model)!, r.GetValue(tokenizer)));
        return command;
    }

    static int Run(string spec, string? tokenizerPath)
    {
        try
        {
            var m = ModelSources.Resolve(spec, tokenizerPath);
            var sp = m.SpecialTokens;
            AnsiConsole.MarkupLineInterpolated($"[bold]{m.Name}[/]: {m.Family} family, inputs {string.Join(", ", m.InputNames)}, vocabulary {m.Tokenizer.VocabularySize:N0} (embedding rows {m.EmbeddingRows:N0}), d={m.HiddenSize}, max positions {(m.MaxPositions == int.MaxValue ? "unbounded" : m.MaxPositions.ToString("N0"))}");
            AnsiConsole.MarkupLineInterpolated($"special tokens: CLS {sp.Cls?.ToString() ?? "-"}, SEP {sp.Sep?.ToString() ?? "-"}, PAD {sp.Pad?.ToString() ?? "-"}, BOS {sp.Bos?.ToString() ?? "-"}, EOS {sp.Eos?.ToString() ?? "-"}");
            var hooks = HookInspector.Shapes(m);
            var table = new Table().AddColumns("hook", "tensor", "rule", "shape");
            foreach (var (hook, shape) in hooks)
                table.AddRow(Markup.Escape(hook.Name), Markup.Escape(hook.TensorName), hook.Rule, Markup.Escape(shape));
            AnsiConsole.Write(table);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/] {e.Message}");
            return 1;
        }
    }
}
