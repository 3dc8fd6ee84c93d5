using System.CommandLine;
using MLSae.Activations;
using MLSae.Onnx;
using MLSae.Runtime;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae doctor`: checks that TorchSharp, ONNX Runtime and the built-in model load here.</summary>
static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check that TorchSharp, ONNX Runtime and the built-in MiniLM model work on this machine.");
        command.SetAction(_ => Run());
        return command;
    }

    static int Run()
    {
        int failures = 0;
        failures += Check("TorchSharp (libtorch)", () =>
        {
            TorchSharpRuntime.EnsureLoaded();
            return $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, CUDA available: {TorchSharp.torch.cuda.is_available()}";
        });
        failures += Check("ONNX Runtime + minilm-l6", () =>
        {
            using var session = OnnxSessionFactory.Create(MiniLmResources.ModelBytes);
            return $"{OnnxSessionFactory.LastProvider} execution, inputs: {string.Join(", ", session.InputMetadata.Keys)}";
        });
        return failures == 0 ? 0 : 1;
    }

    static int Check(string what, Func<string> probe)
    {
        try
        {
            AnsiConsole.MarkupLineInterpolated($"[green]ok[/]   {what}: {probe()}");
            return 0;
        }
        catch (Exception e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]fail[/] {what}: {e.Message}");
            return 1;
        }
    }
}
