using System.CommandLine;
using MLSae.Cli.Commands;
using Spectre.Console;

// Redirected output (a pipe, a file) is read by programs: never wrap it at 80 columns, which splits paths and
// hook names (`mlsae inspect | grep hook_resid_post` would miss hooks). A terminal keeps its own width.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 4096;
var root = new RootCommand("mlsae: train, reorder, evaluate and score sparse autoencoders on transformer activations.");
foreach (var command in CommandCatalog.All())
    root.Add(command);
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // Parse errors are errors like any other: named, on standard error, exit 1 (help goes to standard output only when asked for).
    var name = parse.CommandResult.Command == root ? "mlsae" : $"mlsae {parse.CommandResult.Command.Name}";
    Console.Error.WriteLine($"{name}: error: {string.Join(" ", parse.Errors.Select(e => e.Message))} (see '{name} --help')");
    return 1;
}
return await parse.InvokeAsync();
