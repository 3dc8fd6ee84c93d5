using System.CommandLine;
using MLSae.Cli.Rendering;
using MLSae.Transformers.GptNeoX;
using MLSae.Transformers.Hub;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae fetch`: download a GPT-NeoX checkpoint from the Hugging Face Hub and build its ONNX model.</summary>
static class FetchCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Hub repo id, e.g. EleutherAI/pythia-70m." };
        var revision = new Option<string>("--revision") { Description = "Branch, tag or commit (Pythia publishes training steps as branches, e.g. step143000).", DefaultValueFactory = _ => HubDefaults.Revision };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = "Cache root (default: HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub, shared with huggingface_hub)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "Hub base URL (default: HF_ENDPOINT or https://huggingface.co)." };
        var output = new Option<FileInfo?>("--out") { Description = "ONNX file to write (default: ./{name}/model.onnx); tokenizer.json is written beside it." };
        var modelOptions = ImportHfCommand.ModelOptions.Create();
        var command = new Command("fetch", "Download a GPT-NeoX (Pythia) checkpoint from the Hugging Face Hub (resumable, hash-checked, Hub cache layout) and build its ONNX model.");
        command.Add(repo);
        command.Add(revision);
        command.Add(cache);
        command.Add(endpoint);
        command.Add(output);
        modelOptions.AddTo(command);
        command.SetAction((parse, ct) => ImportHfCommand.Guard("fetch", () =>
        {
            var repoId = parse.GetValue(repo)!;
            var rev = parse.GetValue(revision) ?? HubDefaults.Revision;
            var hub = new HubOptions();
            if (parse.GetValue(cache) is { } c) hub = hub with { CacheDirectory = c.FullName };
            if (parse.GetValue(endpoint) is { Length: > 0 } e) hub = hub with { Endpoint = e };
            var onnx = parse.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine(repoId.Split('/')[^1], "model.onnx"));
            var build = modelOptions.Read(parse) with { ModelName = repoId };

            using var downloader = new HubDownloader(hub);
            var snapshot = ProgressDisplay.Run($"fetch {repoId}@{rev}", progress => HubCheckpointFetcher.FetchAsync(downloader, repoId, rev, progress, ct).GetAwaiter().GetResult());
            AnsiConsole.MarkupLineInterpolated($"checkpoint in [green]{snapshot}[/]");
            var tokenizer = ProgressDisplay.Run("build ONNX", progress => GptNeoXOnnxBuilder.BuildFile(snapshot, onnx, build, progress));
            AnsiConsole.MarkupLineInterpolated($"wrote [green]{onnx}[/]{(tokenizer is null ? "" : $" and {tokenizer}")}");
            return 0;
        }));
        return command;
    }
}
