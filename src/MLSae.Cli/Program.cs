using System.CommandLine;
using MLSae.Cli.Commands;
using Spectre.Console;

// Redirected output (a pipe, a file) is read by programs: never wrap it at 80 columns, which splits paths and
// hook names (`mlsae inspect | grep hook_resid_post` would miss hooks). A terminal keeps its own width.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 4096;
var root = new RootCommand("mlsae: train, reorder, evaluate and score sparse autoencoders on transformer activations.");
foreach (var command in CommandCatalog.All())
    root.Add(command);
return await root.Parse(args).InvokeAsync();
