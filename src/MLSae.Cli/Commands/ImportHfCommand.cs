using System.CommandLine;
using MLSae.Cli.Rendering;
using MLSae.Transformers.GptNeoX;
using MLSae.Transformers.Hub;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae import-hf`: a Hugging Face GPT-NeoX checkpoint folder to an ONNX model with hook outputs.</summary>
static class ImportHfCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<DirectoryInfo>("--checkpoint") { Description = "Hugging Face GPT-NeoX folder: config.json, model.safetensors (or shards + index), tokenizer.json.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "ONNX file to write; tokenizer.json is copied beside it.", Required = true };
        var options = ModelOptions.Create();
        var command = new Command("import-hf", "Convert a Hugging Face GPT-NeoX (Pythia) checkpoint to an ONNX model exposing TransformerLens hooks and logits.");
        command.Add(checkpoint);
        command.Add(output);
        options.AddTo(command);
        command.SetAction(parse => Guard("import-hf", () =>
        {
            var dir = parse.GetValue(checkpoint)!.FullName;
            var onnx = parse.GetValue(output)!.FullName;
            var build = options.Read(parse);
            var tokenizer = ProgressDisplay.Run("import-hf", progress => GptNeoXOnnxBuilder.BuildFile(dir, onnx, build, progress));
            AnsiConsole.MarkupLineInterpolated($"wrote [green]{onnx}[/]{(tokenizer is null ? " (the checkpoint has no tokenizer.json)" : $" and {tokenizer}")}");
            return 0;
        }).Result);
        return command;
    }

    /// <summary>Turns any error (bad paths, bad checkpoints, Hub refusals) into one line on standard error and exit code 1.</summary>
    internal static Task<int> Guard(string command, Func<int> run) => Task.FromResult(CliErrors.Guard(command, run));

    /// <summary>The graph options import-hf and fetch share.</summary>
    internal sealed class ModelOptions
    {
        public required Option<string?> Splice { get; init; }
        public required Option<string> Positions { get; init; }
        public required Option<bool> NoLogits { get; init; }
        public required Option<string[]> Hooks { get; init; }

        public static ModelOptions Create() => new()
        {
            Splice = new Option<string?>("--splice") { Description = "Hook to splice: adds input '{hook}.splice' used downstream instead of the computed tensor (e.g. blocks.3.hook_resid_post)." },
            Positions = new Option<string>("--positions") { Description = "Rotary positions: 'arange' (0..T-1, Hugging Face's default) or 'mask' (cumsum of attention_mask, for left padding).", DefaultValueFactory = _ => "arange" },
            NoLogits = new Option<bool>("--no-logits") { Description = "Leave the unembedding out (hooks only)." },
            Hooks = new Option<string[]>("--hooks") { Description = "Hook outputs to expose (default: all), e.g. blocks.3.hook_resid_post.", AllowMultipleArgumentsPerToken = true },
        };

        public void AddTo(Command command)
        {
            command.Add(Splice);
            command.Add(Positions);
            command.Add(NoLogits);
            command.Add(Hooks);
        }

        public GptNeoXBuildOptions Read(ParseResult parse) => new()
        {
            SpliceHook = parse.GetValue(Splice),
            IncludeLogits = !parse.GetValue(NoLogits),
            Hooks = parse.GetValue(Hooks) is { Length: > 0 } h ? h : null,
            Positions = parse.GetValue(Positions) switch
            {
                "arange" or null => GptNeoXPositions.Arange,
                "mask" => GptNeoXPositions.FromAttentionMask,
                var other => throw new ArgumentException($"--positions '{other}' is not one of: arange, mask."),
            },
        };
    }
}
