using System.CommandLine;
using MLSae.Cli.Commands;

var root = new RootCommand("mlsae: train, reorder, evaluate and score sparse autoencoders on transformer activations.");
foreach (var command in CommandCatalog.All())
    root.Add(command);
return await root.Parse(args).InvokeAsync();
