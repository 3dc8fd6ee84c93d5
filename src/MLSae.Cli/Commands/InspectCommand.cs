using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae inspect --model M`: the model's inputs, special tokens and resolvable hooks with shapes.</summary>
static class InspectCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"Model: {string.Join("; ", ModelSources.ValidForms)}.", DefaultValueFactory = _ => MiniLmResources.Name };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file (vocab.txt or tokenizer.json) for onnx: models." };
        var json = new Option<bool>("--json") { Description = "Print the model and its hooks as one JSON object (for scripts) instead of a table." };
        var command = new Command("inspect", "List a model's resolvable hook points (TransformerLens names) with their ONNX tensors and shapes.") { model, tokenizer, json };
        command.SetAction(r => CliErrors.Guard("inspect", () => Run(r.GetValue(model)!, r.GetValue(tokenizer), r.GetValue(json))));
        return command;
    }

    static int Run(string spec, string? tokenizerPath, bool json)
    {
        var m = ModelSources.Resolve(spec, tokenizerPath);
        var sp = m.SpecialTokens;
        var hooks = HookInspector.Shapes(m);
        if (json)
        {
            var list = new JsonArray();
            foreach (var (hook, shape) in hooks)
                list.Add(new JsonObject { ["hook"] = hook.Name, ["tensor"] = hook.TensorName, ["rule"] = hook.Rule, ["shape"] = shape });
            var o = new JsonObject
            {
                ["model"] = m.Name, ["family"] = m.Family.ToString(), ["inputs"] = new JsonArray(m.InputNames.Select(n => (JsonNode?)n).ToArray()),
                ["vocabulary_size"] = m.Tokenizer.VocabularySize, ["embedding_rows"] = m.EmbeddingRows, ["d"] = m.HiddenSize,
                ["max_positions"] = m.MaxPositions == int.MaxValue ? null : m.MaxPositions,
                ["special_tokens"] = new JsonObject { ["cls"] = sp.Cls, ["sep"] = sp.Sep, ["pad"] = sp.Pad, ["bos"] = sp.Bos, ["eos"] = sp.Eos },
                ["hooks"] = list,
            };
            Console.Out.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        AnsiConsole.MarkupLineInterpolated($"[bold]{m.Name}[/]: {m.Family} family, inputs {string.Join(", ", m.InputNames)}, vocabulary {m.Tokenizer.VocabularySize:N0} (embedding rows {m.EmbeddingRows:N0}), d={m.HiddenSize}, max positions {(m.MaxPositions == int.MaxValue ? "unbounded" : m.MaxPositions.ToString("N0"))}");
        AnsiConsole.MarkupLineInterpolated($"special tokens: CLS {sp.Cls?.ToString() ?? "-"}, SEP {sp.Sep?.ToString() ?? "-"}, PAD {sp.Pad?.ToString() ?? "-"}, BOS {sp.Bos?.ToString() ?? "-"}, EOS {sp.Eos?.ToString() ?? "-"}");
        var table = new Table().AddColumns("hook", "tensor", "rule", "shape");
        foreach (var (hook, shape) in hooks)
            table.AddRow(Markup.Escape(hook.Name), Markup.Escape(hook.TensorName), hook.Rule, Markup.Escape(shape));
        AnsiConsole.Write(table);
        return 0;
    }
}
