using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLSae.Activations;
using MLSae.Cli.Rendering;
using MLSae.Onnx;
using MLSae.Runtime;
using Spectre.Console;

namespace MLSae.Cli.Commands;

/// <summary>`mlsae doctor`: checks that TorchSharp, ONNX Runtime and the built-in model load here.</summary>
static class DoctorCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the checks as one JSON object (for scripts) instead of lines." };
        var command = new Command("doctor", "Check that TorchSharp, ONNX Runtime and the built-in MiniLM model work on this machine.") { json };
        command.SetAction(parse => CliErrors.Guard("doctor", () => Run(parse.GetValue(json))));
        return command;
    }

    static int Run(bool json)
    {
        var checks = new List<(string What, bool Ok, string Detail)>
        {
            Check("TorchSharp (libtorch)", () =>
            {
                TorchSharpRuntime.EnsureLoaded();
                return $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, training devices: {TrainingDevice.Describe()}";
            }),
            Check("ONNX Runtime + minilm-l6", () =>
            {
                var (session, provider) = OnnxSessionFactory.Open(MiniLmResources.ModelBytes);
                using (session)
                    return $"{provider} execution, inputs: {string.Join(", ", session.InputMetadata.Keys)}";
            }),
        };
        if (json)
        {
            var array = new JsonArray();
            foreach (var (what, ok, detail) in checks)
                array.Add(new JsonObject { ["check"] = what, ["ok"] = ok, ["detail"] = detail });
            Console.Out.WriteLine(new JsonObject { ["ok"] = checks.All(c => c.Ok), ["checks"] = array }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            foreach (var (what, ok, detail) in checks)
                if (ok) AnsiConsole.MarkupLineInterpolated($"[green]ok[/]   {what}: {detail}");
                else AnsiConsole.MarkupLineInterpolated($"[red]fail[/] {what}: {detail}");
        }
        var failed = checks.Where(c => !c.Ok).Select(c => c.What).ToList();
        return failed.Count == 0 ? 0 : CliErrors.Usage("doctor", $"{failed.Count} check(s) failed: {string.Join(", ", failed)}.");
    }

    static (string, bool, string) Check(string what, Func<string> probe)
    {
        try
        {
            return (what, true, probe());
        }
        catch (Exception e)
        {
            return (what, false, CliErrors.Message(e));
        }
    }
}
